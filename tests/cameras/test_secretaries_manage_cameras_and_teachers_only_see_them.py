from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from school.models import SECRETARIES_GROUP, TEACHERS_GROUP

pytestmark = pytest.mark.django_db


def camera_permissions(group_name: str) -> set[str]:
    permissions = Group.objects.get(name=group_name).permissions.filter(content_type__app_label="cameras")
    return set(permissions.values_list("codename", flat=True))


def test_the_data_migration_gives_the_groups_their_camera_permissions() -> None:
    assert camera_permissions(SECRETARIES_GROUP) == {"add_camera", "change_camera", "delete_camera", "view_camera"}
    assert camera_permissions(TEACHERS_GROUP) == {"view_camera"}
