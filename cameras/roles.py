"""What each group may do with this app's data (applied by a data migration; see school/roles.py)."""

from school.models import SECRETARIES_GROUP, TEACHERS_GROUP
from school.roles import VIEW, codenames

CAMERAS_PERMISSIONS: dict[str, list[str]] = {
    SECRETARIES_GROUP: codenames("camera"),
    TEACHERS_GROUP: codenames("camera", VIEW),
}
