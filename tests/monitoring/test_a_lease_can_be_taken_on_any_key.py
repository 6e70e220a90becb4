from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from cameras.services.lease import LeaseKeeper, acquire_key_lease, key_lease_holder


@pytest.fixture(params=["embedded", "redis"])
def backend(request: pytest.FixtureRequest, settings: Any) -> str:
    settings.REDIS_URL = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    return str(request.param)


def test_one_holder_per_key_kept_alive_by_a_keeper(backend: str) -> None:
    key = f"test:{uuid.uuid4().hex}:lease"
    lease = acquire_key_lease(key, owner="first", ttl_s=0.6)
    assert lease is not None
    assert acquire_key_lease(key, owner="second") is None
    assert key_lease_holder(key) == "first"

    other = acquire_key_lease(f"{key}:other", owner="second")  # another key is another lease
    assert other is not None and other.release()

    keeper = LeaseKeeper(lease, interval_s=0.1).start()
    try:
        time.sleep(1.2)  # twice the TTL: without the keeper's heartbeats the lease would have expired
        assert key_lease_holder(key) == "first"
    finally:
        keeper.stop()
    assert not keeper.lost.is_set()
    assert lease.release()
    assert key_lease_holder(key) is None
    successor = acquire_key_lease(key, owner="second")
    assert successor is not None and successor.release()
