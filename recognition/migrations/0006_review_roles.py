from django.db import migrations


def grant_roles(apps, schema_editor):
    from recognition.roles import REVIEW_PERMISSIONS
    from school.roles import grant

    grant(apps, "recognition", REVIEW_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("recognition", "0005_learning_from_corrections")]

    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
