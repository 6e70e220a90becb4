"""POST /api/review/groups/<id>/not-a-student and .../ignore: the group leaves the open queue, who decided and when
is kept; a "not a student" group's faces stop counting as unknown (no unknown_face alert), an ignored one's do not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from recognition.models import FaceGroup
from recognition.services.unknown_faces import is_not_a_student
from tests.factories import SecretaryFactory
from tests.recognition.review_support import fixture_encoding, make_group

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """The not-a-student centroids are kept per process by a version in the cache, which outlives a test."""
    cache.clear()


@pytest.fixture
def secretary() -> APIClient:
    client = APIClient()
    client.force_authenticate(SecretaryFactory(username="secretaria"))
    return client


def open_ids(client: APIClient) -> list[int]:
    response = client.get("/api/review/groups")
    assert response.status_code == 200
    return [group["id"] for group in response.json()["results"]]


def obama2() -> Any:
    return np.frombuffer(fixture_encoding("obama2.jpg"), dtype=np.float32)


@pytest.mark.parametrize(
    ("action", "decision", "suppressed"),
    [("not-a-student", FaceGroup.Decision.NOT_A_STUDENT, True), ("ignore", FaceGroup.Decision.IGNORED, False)],
)
def test_a_decided_group_leaves_the_queue(
    secretary: APIClient,
    django_capture_on_commit_callbacks: Callable[..., Any],
    action: str,
    decision: str,
    suppressed: bool,
) -> None:
    visitor = make_group((("obama.jpg", 0.9), ("obama2.jpg", 0.8)))
    other = make_group((("biden.jpg", 0.9),))
    assert set(open_ids(secretary)) == {visitor.pk, other.pk}
    assert not is_not_a_student(obama2())

    with django_capture_on_commit_callbacks(execute=True):
        response = secretary.post(f"/api/review/groups/{visitor.pk}/{action}")

    assert response.status_code == 200
    assert response.json()["decision"] == decision
    assert open_ids(secretary) == [other.pk]
    decided = secretary.get("/api/review/groups", {"decision": decision}).json()["results"]
    assert [group["id"] for group in decided] == [visitor.pk]
    visitor.refresh_from_db()
    assert visitor.decision == decision and visitor.student is None
    assert visitor.decided_by is not None and visitor.decided_by.username == "secretaria"
    assert visitor.decided_at is not None
    # The same person seen again raises no unknown_face alert only once staff said "not a student".
    assert is_not_a_student(obama2()) is suppressed
    again = secretary.post(f"/api/review/groups/{visitor.pk}/ignore")
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")


def test_the_review_page_no_longer_shows_a_decided_group(
    secretary: APIClient, client: Any, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    visitor = make_group(encodings=False)
    client.force_login(SecretaryFactory())
    assert f'data-group-id="{visitor.pk}"' in client.get("/review/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        assert secretary.post(f"/api/review/groups/{visitor.pk}/ignore").status_code == 200

    assert f'data-group-id="{visitor.pk}"' not in client.get("/review/").content.decode()
