from __future__ import annotations

from cameras.services.lease import Lease, acquire_lease, lease_holder


def test_a_lease_is_released_by_its_owner_and_by_nobody_else(backend: str, camera_id: int) -> None:
    lease = acquire_lease(camera_id, owner="worker-a")
    assert lease is not None
    impostor = Lease(camera_id, owner="worker-b", store=lease.store)

    assert impostor.release() is False
    assert impostor.heartbeat() is False
    assert lease_holder(camera_id) == "worker-a"

    assert lease.release() is True
    assert lease_holder(camera_id) is None
    assert lease.release() is False  # twice is harmless
    assert acquire_lease(camera_id, owner="worker-b") is not None
    impostor.release()
