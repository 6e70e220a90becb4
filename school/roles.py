"""The groups people belong to and what each may do. Data migrations apply these."""

from __future__ import annotations

from typing import Any

from school.models import SECRETARIES_GROUP, TEACHERS_GROUP

ALL = ("add", "change", "delete", "view")
VIEW = ("view",)

# app label -> model -> actions, per group. Later apps append their models in their own data migrations.
SCHOOL_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    SECRETARIES_GROUP: {
        "classroom": ALL,
        "student": ALL,
        "enrollment": ALL,
        "lessonschedule": ALL,
        "lesson": ALL,
        "teacher": ALL,
    },
    TEACHERS_GROUP: {
        "classroom": VIEW,
        "student": VIEW,
        "enrollment": VIEW,
        "lessonschedule": VIEW,
        "lesson": VIEW,
    },
}


def grant(apps: Any, app_label: str, permissions: dict[str, dict[str, tuple[str, ...]]]) -> None:
    """Create the groups if needed and give them the permissions (idempotent; usable inside migrations)."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; a data migration needs them now.
    # Migration state apps hold stubs; create_permissions skips a config whose models_module is unset.
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, models in permissions.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        codenames = [f"{action}_{model}" for model, actions in models.items() for action in actions]
        found = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        missing = set(codenames) - set(found.values_list("codename", flat=True))
        if missing:
            raise LookupError(f"unknown permissions in {app_label}: {sorted(missing)}")
        group.permissions.add(*found)
