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

# The class diary's models, granted by a later migration (0006) than the one that made the groups' first rights.
DIARY_PERMISSIONS: dict[str, list[str]] = {
    SECRETARIES_GROUP: [
        *codenames("roll", ("view", "change")),
        *codenames("justification"),
        *codenames("absencenotice", VIEW),
        *codenames("noticeemail", VIEW),
    ],
    TEACHERS_GROUP: [*codenames("roll", VIEW), *codenames("justification", VIEW)],
}
