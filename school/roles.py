"""The groups people belong to and what each may do. Data migrations apply these."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from school.models import DATA_PROTECTION_GROUP, SECRETARIES_GROUP, TEACHERS_GROUP

ALL = ("add", "change", "delete", "view")
VIEW = ("view",)


def codenames(model: str, actions: Iterable[str] = ALL) -> list[str]:
    return [f"{action}_{model}" for action in actions]


# group -> permission codenames of the school app. Later apps grant their own in their data migrations.
SCHOOL_PERMISSIONS: dict[str, list[str]] = {
    SECRETARIES_GROUP: [
        *codenames("classroom"),
        *codenames("student"),
        *codenames("enrollment"),
        *codenames("lessonschedule"),
        *codenames("lesson"),
        *codenames("teacher"),
    ],
    TEACHERS_GROUP: [
        *codenames("classroom", VIEW),
        *codenames("student", VIEW),
        *codenames("enrollment", VIEW),
        *codenames("lessonschedule", VIEW),
        *codenames("lesson", VIEW),
    ],
}

# Consent evidence and the access log came with the privacy work (school migration 0007). Data protection (the
# school's DPO, "encarregado" in LGPD) reads the log and answers families' requests; secretaries record consents.
PRIVACY_PERMISSIONS: dict[str, list[str]] = {
    SECRETARIES_GROUP: [
        *codenames("consentterms", ("add", "change", "view")),
        *codenames("consentrecord", ("add", "view")),
    ],
    DATA_PROTECTION_GROUP: [
        *codenames("accesslog", VIEW),
        *codenames("consentterms", VIEW),
        *codenames("consentrecord", VIEW),
        *codenames("student", VIEW),
        *codenames("guardian", VIEW),
        "export_student_data",
        "erase_student_data",
    ],
}

# Guardians came with the class diary (granted by attendance's migration 0006, after the model exists).
GUARDIAN_PERMISSIONS: dict[str, list[str]] = {SECRETARIES_GROUP: codenames("guardian")}


def grant(apps: Any, app_label: str, permissions: dict[str, list[str]]) -> None:
    """Create the groups if needed and give them the permissions (idempotent; usable inside migrations)."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; a data migration needs them now. Migration state
    # apps hold stubs, and create_permissions skips a config whose models_module is unset.
    app_config = apps.get_app_config(app_label)
    stub = getattr(app_config, "models_module", None) is None
    if stub:
        app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    if stub:
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, wanted in permissions.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        found = Permission.objects.filter(content_type__app_label=app_label, codename__in=wanted)
        missing = set(wanted) - set(found.values_list("codename", flat=True))
        if missing:
            raise LookupError(f"unknown permissions in {app_label}: {sorted(missing)}")
        group.permissions.add(*found)
