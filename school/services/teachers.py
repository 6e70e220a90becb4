"""Teachers: users in the Teachers group, assigned to classrooms."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from school.models import TEACHERS_GROUP, Classroom, Teacher


def save_teacher(teacher: Teacher, *, password: str = "", classrooms: Iterable[Classroom] | None = None) -> Teacher:
    """Create or update a teacher: group membership, password (when given) and classrooms, all or nothing."""
    with transaction.atomic():
        teacher.is_staff = False  # teachers work in the class pages, not in the admin
        teacher.is_superuser = False
        if password:
            teacher.set_password(password)
        elif not teacher.pk:
            teacher.set_unusable_password()
        teacher.save()
        teacher.groups.add(Group.objects.get(name=TEACHERS_GROUP))
        if classrooms is not None:
            teacher.classrooms.set(classrooms)
    return teacher
