from django.db import migrations


def grant_roles(apps, schema_editor):
    from monitoring.roles import MONITORING_PERMISSIONS
    from school.roles import grant

    grant(apps, "monitoring", MONITORING_PERMISSIONS)


def create_switches(apps, schema_editor):
    apps.get_model("monitoring", "AlertProcessing").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial"), ("school", "0002_roles")]

    operations = [
        migrations.RunPython(grant_roles, migrations.RunPython.noop),
        migrations.RunPython(create_switches, migrations.RunPython.noop),
    ]
