"""Keeps files and the matcher index in step with face photo rows, however the rows go away."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from recognition.models import FacePhoto, NegativeExample
from recognition.services.index import bump_index_version
from recognition.services.lookalikes import schedule_recompute
from school.models import Student
from school.signals import biometric_consent_withdrawn


@receiver(post_delete, sender=FacePhoto)
def remove_face_photo_file(sender: type[FacePhoto], instance: FacePhoto, **kwargs: Any) -> None:
    # Covers deleting a photo, a student (cascade) and consent withdrawal. The file goes only once the rows are
    # gone for good: a rolled-back delete keeps both.
    storage, name = instance.image.storage, instance.image.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))
    if instance.status == FacePhoto.Status.READY:
        transaction.on_commit(bump_index_version)
        schedule_recompute(instance.student_id)


@receiver(post_save, sender=NegativeExample)
@receiver(post_delete, sender=NegativeExample)
def rebuild_index_for_negative(sender: type[NegativeExample], instance: NegativeExample, **kwargs: Any) -> None:
    # The matcher holds the negatives: every process rebuilds once the row is committed (or gone).
    transaction.on_commit(bump_index_version)


@receiver(biometric_consent_withdrawn, sender=Student)
def erase_faces_of_withdrawn_student(sender: type[Student], student: Student, **kwargs: Any) -> None:
    from recognition.services.enrollment import erase_face_data

    erase_face_data(student)
