"""Running the same call from several threads at the same instant, as cameras, workers and people do."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import close_old_connections

T = TypeVar("T")


def run_at_once(call: Callable[[], T], times: int = 8) -> tuple[list[T], list[BaseException]]:
    """Start `times` threads that wait on a barrier, then all run `call`; returns results and errors."""
    barrier = threading.Barrier(times)
    results: list[T] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(call())
        except BaseException as error:  # reported to the test's thread
            errors.append(error)
        finally:
            close_old_connections()  # each thread opened its own database connection

    threads = [threading.Thread(target=worker) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
