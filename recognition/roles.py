"""What each group may do with this app's data (applied by a data migration; see school/roles.py)."""

from school.models import SECRETARIES_GROUP, TEACHERS_GROUP
from school.roles import VIEW, codenames

RECOGNITION_PERMISSIONS: dict[str, list[str]] = {
    SECRETARIES_GROUP: [*codenames("facephoto"), "recognize"],
    TEACHERS_GROUP: codenames("facephoto", VIEW),
}

# Galleries (event photos searched for students): secretaries manage them and review the matches.
GALLERY_PERMISSIONS: dict[str, list[str]] = {
    SECRETARIES_GROUP: [
        *codenames("gallery"),
        *codenames("galleryphoto"),
        *codenames("photojob"),
        *codenames("photoface"),
        *codenames("facematch"),
    ],
}

# Learning from corrections: secretaries review unknown faces and look-alikes and decide on fresh photos; the rows
# themselves are written by the services (decisions are changes, never deletions).
REVIEW_PERMISSIONS: dict[str, list[str]] = {
    SECRETARIES_GROUP: [
        *codenames("facegroup", ("view", "change")),
        *codenames("unknownface", VIEW),
        *codenames("negativeexample", VIEW),
        *codenames("lookalikepair", VIEW),
        *codenames("enrollmentproposal", ("view", "change")),
    ],
}
