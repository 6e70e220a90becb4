from __future__ import annotations

import threading

from cameras.services.lease import acquire_lease, lease_holder


def test_of_many_contenders_exactly_one_gets_the_lease(backend: str, camera_id: int) -> None:
    barrier = threading.Barrier(8)
    won: list[str] = []

    def contend(index: int) -> None:
        barrier.wait()  # all at once, as workers do when the beat queues a camera twice
        lease = acquire_lease(camera_id, owner=f"worker-{index}")
        if lease is not None:
            won.append(lease.owner)

    threads = [threading.Thread(target=contend, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(won) == 1
    assert lease_holder(camera_id) == won[0]
    assert acquire_lease(camera_id, owner="latecomer") is None
