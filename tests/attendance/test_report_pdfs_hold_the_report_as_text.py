"""The diary and the student report download as PDFs whose text (accents included) reads back."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from rest_framework.test import APIClient

from tests.attendance.diary_school import build_school, month_period

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_diary_pdf_lists_each_student_with_frequency() -> None:
    school = build_school()
    client = APIClient()
    client.force_authenticate(school.teacher)

    response = client.get(
        "/api/reports/classrooms/3AT.I/diary.pdf", {"month": f"{school.month:%Y-%m}"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "Class diary: 3AT.I" in text
    assert "Conceição Ângela" in text and "Bruno Lima" in text
    assert "25.0" in text and "75.0" in text and "66.7" in text
    assert "Português" in text


def test_the_student_pdf_in_portuguese_names_the_missed_lesson() -> None:
    school = build_school()
    client = APIClient()
    client.force_authenticate(school.secretary)

    response = client.get("/api/reports/students/1001.pdf", month_period(school.month), HTTP_ACCEPT_LANGUAGE="pt-br")

    text = text_of(response.content)
    assert "Conceição Ângela" in text and "1001" in text
    assert "Matemática" in text and "50,0" in text and "75,0" in text
    assert school.lessons[2].date.strftime("%d/%m/%Y") in text


def test_letters_outside_latin_1_lose_their_accents_or_become_a_question_mark() -> None:
    school = build_school()
    school.ana.full_name = "Łukasz Dvořák"
    school.ana.save()
    client = APIClient()
    client.force_authenticate(school.secretary)

    response = client.get("/api/reports/students/1001.pdf", month_period(school.month))

    assert response.status_code == 200
    assert "?ukasz Dvorák" in text_of(response.content)  # Ł has no accent to drop; ř is r; á is Latin-1
