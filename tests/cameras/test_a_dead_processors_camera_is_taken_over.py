from __future__ import annotations

import time

from cameras.services.lease import LeaseKeeper, acquire_lease, lease_holder

TTL = 0.6


def test_a_heartbeating_holder_keeps_its_camera_and_a_dead_one_loses_it_after_the_ttl(
    backend: str, camera_id: int
) -> None:
    holder = acquire_lease(camera_id, owner="worker-a", ttl_s=TTL)
    assert holder is not None
    keeper = LeaseKeeper(holder, interval_s=TTL / 4).start()

    time.sleep(TTL * 2)  # well past the TTL: only the heartbeats keep it
    assert acquire_lease(camera_id, owner="worker-b", ttl_s=TTL) is None

    keeper.stop()  # the worker dies: no heartbeat, no release
    assert acquire_lease(camera_id, owner="worker-b", ttl_s=TTL) is None  # not before the lease expires
    time.sleep(TTL + 0.2)
    successor = acquire_lease(camera_id, owner="worker-b", ttl_s=TTL)

    assert successor is not None and lease_holder(camera_id) == "worker-b"
    assert not keeper.lost.is_set()
    assert holder.heartbeat() is False  # the old holder, were it to wake up, cannot take it back
    assert lease_holder(camera_id) == "worker-b"
    successor.release()
