from django.db import migrations
from django.utils import timezone

LEGACY_VERSION = "0"
# The terms a fresh install starts with (data, in the school's language); a school publishes its own as version 2.
DEFAULT_TERMS = {
    "biometric": (
        "Registro de frequência escolar por reconhecimento facial.",
        "Autorizo a escola a coletar fotos do rosto do(a) estudante e a gerar a partir delas dados biométricos "
        "(codificações faciais), usados somente para registrar sua presença nas aulas. Os dados ficam na escola, "
        "não são compartilhados e são apagados quando este consentimento for revogado ou após o prazo de retenção "
        "depois que o(a) estudante deixar a escola. Posso revogar este consentimento a qualquer momento.",
    ),
    "image": (
        "Divulgação de fotos de eventos escolares em que o(a) estudante aparece.",
        "Autorizo a escola a divulgar, nas galerias de eventos escolares, fotos em que o(a) estudante pode ser "
        "reconhecido(a). Sem este consentimento o rosto dele(a) é desfocado nas fotos divulgadas. Posso revogar "
        "este consentimento a qualquer momento.",
    ),
}
LEGACY_PURPOSE = "Consent recorded before Chamada kept versioned consent terms."


def grant_roles(apps, schema_editor):
    from school.roles import PRIVACY_PERMISSIONS, grant

    grant(apps, "school", PRIVACY_PERMISSIONS)


def publish_default_terms(apps, schema_editor):
    ConsentTerms = apps.get_model("school", "ConsentTerms")
    for kind, (purpose, text) in DEFAULT_TERMS.items():
        ConsentTerms.objects.get_or_create(kind=kind, version="1", defaults={"purpose": purpose, "text": text})


def backfill_consent_history(apps, schema_editor):
    # Consents recorded before the history existed become grants of a "version 0" of the terms, so each consenting
    # student shows in the admin as having accepted an older version, to be renewed with the current terms.
    Student = apps.get_model("school", "Student")
    ConsentTerms = apps.get_model("school", "ConsentTerms")
    ConsentRecord = apps.get_model("school", "ConsentRecord")
    Student.objects.filter(active=False, left_on__isnull=True).update(left_on=timezone.localdate())
    for kind, flag, at_field in (("biometric", "biometric_consent", "biometric_consent_at"), ("image", "image_consent", None)):
        consenting = list(Student.objects.filter(**{flag: True}))
        if not consenting:
            continue
        terms, _ = ConsentTerms.objects.get_or_create(
            kind=kind, version=LEGACY_VERSION, defaults={"purpose": LEGACY_PURPOSE, "text": LEGACY_PURPOSE}
        )
        ConsentRecord.objects.bulk_create(
            ConsentRecord(
                student=student,
                kind=kind,
                granted=True,
                terms=terms,
                given_by="(recorded before consent history)",
                recorded_at=(getattr(student, at_field) if at_field else None) or timezone.now(),
                recorded_by_id=student.biometric_consent_by_id if at_field else None,
            )
            for student in consenting
        )
        Student.objects.filter(pk__in=[s.pk for s in consenting]).update(**{f"{kind}_consent_terms": terms})


class Migration(migrations.Migration):
    dependencies = [("school", "0006_privacy")]

    operations = [
        migrations.RunPython(grant_roles, migrations.RunPython.noop),
        migrations.RunPython(backfill_consent_history, migrations.RunPython.noop),
        migrations.RunPython(publish_default_terms, migrations.RunPython.noop),
    ]
