"""A version counter in the shared cache (what each process's matcher index and face groups' centroids are keyed
on) never goes back to a version an old process already built for, even when the cache restarts empty; with one
process's memory cache and with Redis across processes alike."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from django.core.cache import cache

from recognition.services.versions import VersionCounter


@pytest.fixture(params=["locmem", "redis"])
def shared_cache(request: pytest.FixtureRequest, settings: Any) -> None:
    if request.param == "redis":
        location = request.getfixturevalue("redis_url")
        backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
    else:
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    settings.CACHES = {"default": backend}
    cache.clear()


def counter() -> VersionCounter:
    return VersionCounter(f"tests:version:{uuid.uuid4().hex}")


def test_a_new_counter_starts_from_the_clock(shared_cache: None) -> None:
    before = time.time_ns()
    version = counter().current()

    assert before <= version <= time.time_ns()


def test_each_bump_adds_one_and_every_reader_sees_it(shared_cache: None) -> None:
    version = counter()
    first = version.current()

    version.bump()
    version.bump()

    assert version.current() == first + 2
    assert VersionCounter(version.key).current() == first + 2  # another process's counter of the same key


def test_a_restarted_cache_hands_out_a_version_above_every_one_handed_out_before(shared_cache: None) -> None:
    version = counter()
    version.current()
    version.bump()
    handed_out = version.current()

    cache.clear()

    assert version.current() > handed_out


def test_a_bump_after_the_cache_restarted_starts_from_the_clock(shared_cache: None) -> None:
    version = counter()
    version.bump()
    handed_out = version.current()

    cache.clear()
    version.bump()  # the key is gone: nothing to add one to

    assert version.current() > handed_out


def test_two_counters_are_independent(shared_cache: None) -> None:
    index, groups = counter(), counter()
    index_before, groups_before = index.current(), groups.current()

    groups.bump()

    assert index.current() == index_before
    assert groups.current() == groups_before + 1
