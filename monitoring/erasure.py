"""A student's face data erased (school.services.erasure): the snapshots of the alerts that name the student go.

The alerts stay (what happened, when, where), without their picture; a delivery still pending goes without it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.utils.translation import ngettext

from monitoring.models import Alert
from school.models import Student
from school.services.files import delete_files_on_commit

if TYPE_CHECKING:
    from school.services.erasure import Holding

logger = logging.getLogger(__name__)


def alert_snapshots(sender: Any, *, student: Student, erase: bool, **kwargs: Any) -> list[Holding]:
    """The alerts naming `student` that still have a snapshot (a zone intrusion by a recognised student); with
    `erase`, their snapshots are cleared now and the files deleted after commit."""
    # Imported here: the erasure service brings the image libraries, which the apps' start-up does not need.
    from school.services.erasure import ALERT_SNAPSHOTS, Holding

    alerts = Alert.objects.filter(payload__student_id=student.pk).exclude(snapshot="")
    names = list(alerts.values_list("snapshot", flat=True))
    if erase and names:
        storage = Alert._meta.get_field("snapshot").storage
        alerts.update(snapshot="")
        delete_files_on_commit(storage, names)
    label = ngettext("alert snapshot showing the student", "alert snapshots showing the student", len(names))
    return [Holding(ALERT_SNAPSHOTS, len(names), label, len(names))]
