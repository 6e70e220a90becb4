from __future__ import annotations

from typing import Any

import pytest
import redis
from django.core.cache import cache
from rest_framework.test import APIClient

from recognition.models import FacePhoto
from recognition.services.index import INDEX_VERSION_KEY, get_matcher
from tests.factories import StudentFactory
from tests.markers import committing_db
from tests.recognition.conftest import upload

pytestmark = committing_db


@pytest.fixture
def redis_cache(settings: Any, redis_url: str) -> redis.Redis:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    cache.delete(INDEX_VERSION_KEY)
    return redis.Redis.from_url(redis_url)


def test_a_process_reloads_its_index_when_another_process_bumps_the_version(
    secretary_api: APIClient, redis_cache: redis.Redis
) -> None:
    obama = StudentFactory(consenting=True)
    upload(secretary_api, obama, "obama.jpg")
    assert set(get_matcher().student_ids) == {obama.pk}
    # Another worker enrolls a student: its row appears, then it bumps the shared version in Redis.
    biden = StudentFactory(consenting=True)
    encoding = FacePhoto.objects.get(student=obama).encoding
    FacePhoto.objects.bulk_create([FacePhoto(student=biden, content_hash="x" * 64, status="ready", encoding=encoding)])

    before_bump = set(get_matcher().student_ids)
    redis_cache.incr(cache.make_key(INDEX_VERSION_KEY))
    after_bump = set(get_matcher().student_ids)

    assert before_bump == {obama.pk}  # the process keeps its index until told
    assert after_bump == {obama.pk, biden.pk}


def test_removing_a_photo_removes_the_student_from_the_index(
    secretary_api: APIClient, redis_cache: redis.Redis
) -> None:
    obama = StudentFactory(consenting=True)
    photo_id = upload(secretary_api, obama, "obama.jpg").json()["id"]
    assert set(get_matcher().student_ids) == {obama.pk}

    secretary_api.delete(f"/api/faces/{photo_id}")

    assert set(get_matcher().student_ids) == set()
