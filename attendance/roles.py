"""What each group may do with this app's data (applied by a data migration; see school/roles.py)."""

from school.models import SECRETARIES_GROUP, TEACHERS_GROUP
from school.roles import VIEW, codenames

ATTENDANCE_PERMISSIONS: dict[str, list[str]] = {
    SECRETARIES_GROUP: [
        *codenames("device"),
        *codenames("presence"),
        *codenames("attendancelog", VIEW),
        *codenames("presencechange", VIEW),
    ],
    TEACHERS_GROUP: [*codenames("presence", VIEW), *codenames("attendancelog", VIEW)],
}
