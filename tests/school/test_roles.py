from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from school.models import DATA_PROTECTION_GROUP, SECRETARIES_GROUP, TEACHERS_GROUP

pytestmark = pytest.mark.django_db

SCHOOL_MODELS = ["classroom", "student", "enrollment", "lessonschedule", "lesson"]


def school_permissions(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return set(group.permissions.filter(content_type__app_label="school").values_list("codename", flat=True))


def test_secretaries_manage_every_school_model_and_teachers() -> None:
    expected = {
        f"{action}_{model}"
        for model in [*SCHOOL_MODELS, "teacher", "guardian"]
        for action in ("add", "change", "delete", "view")
    }
    # Consent evidence is recorded and its terms published, never deleted or rewritten.
    expected |= {
        "add_consentterms",
        "change_consentterms",
        "view_consentterms",
        "add_consentrecord",
        "view_consentrecord",
    }

    assert school_permissions(SECRETARIES_GROUP) == expected


def test_data_protection_reads_the_access_log_and_answers_families_requests() -> None:
    assert school_permissions(DATA_PROTECTION_GROUP) == {
        "view_accesslog",
        "view_consentterms",
        "view_consentrecord",
        "view_student",
        "view_guardian",
        "export_student_data",
        "erase_student_data",
    }


def test_teachers_only_view_the_school_roster() -> None:
    assert school_permissions(TEACHERS_GROUP) == {f"view_{model}" for model in SCHOOL_MODELS}


def test_neither_group_has_rights_over_users_or_groups() -> None:
    for name in (SECRETARIES_GROUP, TEACHERS_GROUP):
        assert not Group.objects.get(name=name).permissions.filter(content_type__app_label="auth").exists()
