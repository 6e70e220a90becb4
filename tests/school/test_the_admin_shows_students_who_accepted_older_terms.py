"""Once a new version of the terms is published, the terms' admin counts who accepted it and who is still on an
older one, with links to those students; the student list filters and shows the version; accepted terms can no
longer be edited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from school.models import ConsentTerms, Student
from school.services.consent import current_terms, grant_consent
from tests.factories import SecretaryFactory, StudentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"  # the version column's "(older)" is read in English


@pytest.fixture
def secretary(client: Client) -> User:
    user = SecretaryFactory()
    client.force_login(user)
    return user


@pytest.fixture
def school(db: None) -> dict[str, Student]:
    """Obama and Biden accepted version 1, Lin version 2 (current), Alex nothing."""
    students = {name: StudentFactory(full_name=name) for name in ("Obama", "Biden", "Lin", "Alex")}
    for name in ("Obama", "Biden"):
        grant_consent(students[name], "biometric", given_by="guardian", recorded_by=None)
    ConsentTerms.objects.create(kind="biometric", version="2", purpose="p", text="t")
    grant_consent(students["Lin"], "biometric", given_by="guardian", recorded_by=None)
    return students


def listed(client: Client, query: str) -> set[str]:
    response = client.get(f"/admin/school/student/?{query}")
    assert response.status_code == 200
    return {student.full_name for student in response.context["cl"].result_list}


def test_the_terms_list_counts_each_version_and_links_to_its_students(
    client: Client, secretary: User, school: dict[str, Student]
) -> None:
    current = current_terms("biometric")
    first = ConsentTerms.objects.get(kind="biometric", version="1")

    page = client.get("/admin/school/consentterms/").content.decode()

    links = dict(re.findall(r'href="/admin/school/student/\?biometric_terms=([a-z]+-\d+)">(\d+)</a>', page))
    assert links == {
        f"on-{current.pk}": "1",
        f"before-{current.pk}": "2",
        f"on-{first.pk}": "2",
        f"before-{first.pk}": "0",
    }
    assert listed(client, f"biometric_terms=before-{current.pk}") == {"Obama", "Biden"}
    assert listed(client, f"biometric_terms=on-{current.pk}") == {"Lin"}


def test_the_student_list_filters_by_current_older_or_no_terms_and_shows_the_version(
    client: Client, secretary: User, school: dict[str, Student]
) -> None:
    assert listed(client, "biometric_terms=current") == {"Lin"}
    assert listed(client, "biometric_terms=older") == {"Obama", "Biden"}
    assert listed(client, "biometric_terms=none") == {"Alex"}
    page = client.get("/admin/school/student/").content.decode()
    assert "1 (older)" in page and ">2</td>" in page


def test_accepted_terms_are_read_only_and_new_ones_are_not(
    client: Client, secretary: User, school: dict[str, Student]
) -> None:
    first = ConsentTerms.objects.get(kind="biometric", version="1")
    unused = ConsentTerms.objects.create(kind="biometric", version="3-draft", purpose="p", text="draft")
    edit = {
        "kind": "biometric",
        "version": "1",
        "purpose": "changed",
        "text": "changed",
        "published_at_0": "",
        "published_at_1": "",
    }

    client.post(f"/admin/school/consentterms/{first.pk}/change/", edit)
    locked_page = client.get(f"/admin/school/consentterms/{first.pk}/change/").content.decode()
    open_page = client.get(f"/admin/school/consentterms/{unused.pk}/change/").content.decode()

    first.refresh_from_db()
    assert first.text != "changed" and first.purpose != "changed"
    assert 'name="text"' not in locked_page and 'name="text"' in open_page
    assert client.post(f"/admin/school/consentterms/{first.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ConsentTerms.objects.filter(pk=first.pk).exists()
