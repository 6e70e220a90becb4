"""What each group may do with this app's data (applied by a data migration; see school/roles.py)."""

from school.models import SECRETARIES_GROUP
from school.roles import VIEW, codenames

MONITORING_PERMISSIONS: dict[str, list[str]] = {
    SECRETARIES_GROUP: [
        *codenames("alert", ("view", "change")),
        *codenames("alertdelivery", VIEW),
        *codenames("serialdevice"),
        *codenames("monitorheartbeat", ("view", "delete")),
        "control_alert_processing",
    ],
}
