from django.db import migrations


def grant_roles(apps, schema_editor):
    from recognition.roles import RECOGNITION_PERMISSIONS
    from school.roles import grant

    grant(apps, "recognition", RECOGNITION_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("recognition", "0001_initial"), ("school", "0002_roles")]

    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
