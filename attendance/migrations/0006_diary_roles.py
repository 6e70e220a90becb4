from django.db import migrations


def grant_roles(apps, schema_editor):
    from attendance.roles import DIARY_PERMISSIONS
    from school.roles import GUARDIAN_PERMISSIONS, grant

    # The class diary's models: rolls, justifications and absence notices (attendance), guardians (school).
    grant(apps, "school", GUARDIAN_PERMISSIONS)
    grant(apps, "attendance", DIARY_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("attendance", "0005_diary"), ("school", "0005_diary")]

    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
