from django.db import migrations


def grant_roles(apps, schema_editor):
    from cameras.roles import CAMERAS_PERMISSIONS
    from school.roles import grant

    grant(apps, "cameras", CAMERAS_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("cameras", "0001_initial"), ("school", "0002_roles")]

    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
