"""A teacher's manual changes to presence, each one kept."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.events import send_presence_changed
from attendance.models import Presence, PresenceChange, PresenceSource, PresenceStatus
from attendance.services.access import is_secretary
from attendance.services.quality import not_here_changes, take_back_not_here
from attendance.services.roll import lock_lesson
from attendance.services.state import presence_payload
from school.models import Lesson, Student


class EditWindowClosed(Exception):
    """A teacher tried to change a lesson's presence more than ROLL_EDIT_DAYS after it."""

    code = "roll_edit_window_closed"

    def __init__(self, lesson: Lesson) -> None:
        super().__init__(
            _("Teachers may change a roll for %(days)s days after the lesson; ask the secretaries.")
            % {"days": settings.ROLL_EDIT_DAYS}
        )
        self.lesson = lesson


def can_edit(lesson: Lesson, user: User, *, today: dt.date | None = None) -> bool:
    """Secretaries may change a roll at any time, teachers until ROLL_EDIT_DAYS days after the lesson's date."""
    today = today or timezone.localdate()
    return today <= lesson.date + dt.timedelta(days=settings.ROLL_EDIT_DAYS) or is_secretary(user)


def set_presence(lesson: Lesson, student: Student, status: PresenceStatus, *, by: User) -> Presence:
    """Mark a student present, late or absent by hand; records who changed it from what to what.

    Raises EditWindowClosed for a teacher past the roll's edit window (see :func:`can_edit`).
    """
    if not can_edit(lesson, by):
        raise EditWindowClosed(lesson)
    with transaction.atomic():
        lock_lesson(lesson, exclusive=False)  # not while the roll is being closed
        presence, created = Presence.objects.select_for_update().get_or_create(
            lesson=lesson,
            student=student,
            defaults={"status": status, "source": PresenceSource.MANUAL, "changed_by": by},
        )
        previous = "" if created else presence.status
        previous_source = "" if created else presence.source
        if not created and presence.status == status and presence.source == PresenceSource.MANUAL:
            return presence
        if status != PresenceStatus.ABSENT and presence.first_seen is None:
            presence.first_seen = timezone.now()
        presence.status = status
        presence.source = PresenceSource.MANUAL
        presence.changed_by = by
        presence.save()
        PresenceChange.objects.create(
            presence=presence, changed_by=by, from_status=previous, to_status=status, from_source=previous_source
        )
        if status == PresenceStatus.ABSENT and previous in (PresenceStatus.PRESENT, PresenceStatus.LATE):
            # "Was not here" after the camera marked them (this change, or one taken back and now said again): the
            # face that did it is not this student. Encoding it loads the face models, so a worker does it
            # (in-process only when embedded, with no broker).
            for change_id in not_here_changes(presence):
                transaction.on_commit(partial(_queue_not_here, change_id))
        elif status != PresenceStatus.ABSENT and previous == PresenceStatus.ABSENT:
            # Present after all: an earlier "was not here" was a mistake, and its negative would be a wrong lesson.
            take_back_not_here(presence)
        payload = presence_payload(presence)
        transaction.on_commit(lambda: send_presence_changed(lesson.pk, payload))
    return presence


def _queue_not_here(change_id: int) -> None:
    from attendance.tasks import record_not_here

    try:
        record_not_here.delay(change_id)
    except Exception:  # the teacher's change is committed; a failed lesson for the matcher must not undo it
        logging.getLogger(__name__).exception("presence change %s: no negative example recorded", change_id)
