"""Helpers of the consent tests: the student's admin page posted as a browser would, with or without a consent
recorded in its "record a consent" form."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.test import Client

from school.consent_admin import RecordConsentFormSet
from school.models import Student

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def student_page_data(client: Client, url: str, **record: Any) -> dict[str, Any]:
    """The page's form as it would be posted unchanged (whichever apps add inlines), plus `record` filled in the
    record-a-consent form (``action``, ``kind``, ``guardian``, ``given_by``, ``relation``, ``terms``,
    ``signed_form``)."""
    page = client.get(url)
    assert page.status_code == 200
    data: dict[str, Any] = {}
    _post_as_is(page.context["adminform"].form, data)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({f"{formset.prefix}-{name}": str(value) for name, value in management.initial.items()})
        if isinstance(formset, RecordConsentFormSet):
            data[f"{formset.prefix}-0-kind"] = "biometric"
            for name, value in record.items():
                data[f"{formset.prefix}-0-{name}"] = value
        else:
            for form in formset.initial_forms:
                _post_as_is(form, data)
    return data


def _post_as_is(form: Any, data: dict[str, Any]) -> None:
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[form.add_prefix(name)] = "on" if value is True else str(value)


def record_on_student_page(client: Client, student: Student, **record: Any) -> HttpResponse:
    url = f"/admin/school/student/{student.pk}/change/"
    return client.post(url, student_page_data(client, url, **record))


def record_form_errors(response: HttpResponse) -> list[Any]:
    """The errors of the record-a-consent form on a page sent back (200) with errors."""
    for inline in response.context["inline_admin_formsets"]:
        if isinstance(inline.formset, RecordConsentFormSet):
            return [*inline.formset.errors, *inline.formset.non_form_errors()]
    raise AssertionError("the page has no record-a-consent form")
