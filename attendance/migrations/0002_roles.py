from django.db import migrations


def grant_roles(apps, schema_editor):
    from attendance.roles import ATTENDANCE_PERMISSIONS
    from school.roles import grant

    grant(apps, "attendance", ATTENDANCE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("attendance", "0001_initial"), ("school", "0002_roles")]

    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
