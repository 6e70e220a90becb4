from django.db import migrations


def grant_roles(apps, schema_editor):
    from recognition.roles import GALLERY_PERMISSIONS
    from school.roles import grant

    grant(apps, "recognition", GALLERY_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("recognition", "0003_gallery")]

    operations = [migrations.RunPython(grant_roles, migrations.RunPython.noop)]
