"""Every kind of alert Chamada raises. A new kind is one line in ALERT_TYPES; nothing else changes.

``resolves`` names the kind an event of this type closes (``camera_online`` closes the camera's open
``camera_offline``); such an event makes no alert of its own. ``default_on`` False keeps a chatty kind off until
``ALERT_TYPES_ON`` names it; ``ALERT_TYPES_OFF`` switches kinds off.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from monitoring.events import Severity


@dataclass(frozen=True)
class AlertType:
    name: str
    severity: Severity
    label: str | Promise
    resolves: str | None = None
    default_on: bool = True

    @property
    def enabled(self) -> bool:
        if self.name in settings.ALERT_TYPES_OFF:
            return False
        return self.default_on or self.name in settings.ALERT_TYPES_ON


ALERT_TYPES: dict[str, AlertType] = {
    kind.name: kind
    for kind in (
        AlertType("camera_offline", "critical", _("Camera offline")),
        AlertType("camera_online", "info", _("Camera back online"), resolves="camera_offline"),
        AlertType("unknown_face", "warning", _("Unknown face during a lesson")),
        AlertType("zone_intrusion", "warning", _("Someone in a watched zone")),
        AlertType("student_recognised", "info", _("Student recognised"), default_on=False),
        AlertType("host_overload", "warning", _("Server overloaded")),
        AlertType("host_recovered", "info", _("Server load back to normal"), resolves="host_overload"),
        AlertType("disk_low", "critical", _("Disk space low")),
        AlertType("disk_recovered", "info", _("Disk space back to normal"), resolves="disk_low"),
        AlertType("serial_lost", "critical", _("Serial device silent")),
        AlertType("serial_back", "info", _("Serial device answering again"), resolves="serial_lost"),
        AlertType("consecutive_absence", "warning", _("Student absent several school days in a row")),
        AlertType("low_frequency", "warning", _("Student's frequency below the minimum")),
    )
}


class UnknownAlertType(ValueError):
    pass


def alert_type(name: str) -> AlertType:
    try:
        return ALERT_TYPES[name]
    except KeyError:
        raise UnknownAlertType(f"unknown alert type {name!r}; known: {', '.join(ALERT_TYPES)}") from None


def alert_type_choices() -> list[tuple[str, str]]:
    """Model choices (a callable, so a new type needs no migration)."""
    return [(kind.name, str(kind.label)) for kind in ALERT_TYPES.values() if kind.resolves is None]
