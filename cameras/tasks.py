"""Celery tasks of the camera processors (Redis mode; embedded, the web process runs them, see supervisor.py).

A processor is a long-running task on the ``streams`` queue, run in slices: each run processes for RUN_SLICE_S and
then queues the next one, so a worker can be restarted or upgraded without losing a camera for long. The beat
task ``ensure_camera_processors`` is the safety net that (re)starts the processor of any enabled camera whose
lease is free: after a worker crash, a new camera, a camera enabled again.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from cameras.models import Camera
from cameras.services import history
from cameras.services.lease import LEASE_TTL_S, claim_enqueue, clear_enqueue, lease_holder
from cameras.services.processor import TIME_LIMIT, run_processor

#: How long one task processes a camera before handing over to the next one.
RUN_SLICE_S = 600.0
#: A camera whose task is queued is not queued again for this long (a busy or restarting worker may take a while
#: to start it; after this, a lost message is replaced).
QUEUED_MARK_S = 60.0


# Acknowledged at once (acks_late off): a processor whose worker died is restarted by ensure_camera_processors as
# soon as its lease expires, not redelivered an hour later by the broker's visibility timeout.
@shared_task(acks_late=False, ignore_result=True)
def run_camera(camera_id: int, max_seconds: float | None = None, renew: bool = True) -> str:
    """Process the camera for max_seconds (default RUN_SLICE_S); then, if still enabled, queue the next run."""
    clear_enqueue(camera_id)
    reason = run_processor(camera_id, max_seconds=RUN_SLICE_S if max_seconds is None else max_seconds)
    if (
        reason == TIME_LIMIT
        and renew
        and Camera.objects.filter(pk=camera_id, enabled=True).exists()
        and claim_enqueue(camera_id, QUEUED_MARK_S)
    ):
        run_camera.apply_async((camera_id,), {"max_seconds": max_seconds, "renew": renew})
    return reason


@shared_task(bind=True, ignore_result=True)
def ensure_camera_processors(self: Any) -> int:
    """Queue run_camera for every enabled camera that nobody processes; returns how many were queued.

    Idempotent: a camera with a live lease, or whose task is already queued, is left alone.
    """
    if self.app.conf.task_always_eager:
        return 0  # embedded mode: a task would run here, in the caller, forever; the web process supervises
    queued = 0
    for camera_id in Camera.objects.filter(enabled=True).values_list("pk", flat=True):
        if lease_holder(camera_id) is None and claim_enqueue(camera_id, max(QUEUED_MARK_S, LEASE_TTL_S)):
            run_camera.delay(camera_id)
            queued += 1
    return queued


@shared_task(ignore_result=True)
def purge_camera_history() -> int:
    """Beat, hourly: the monitor's per-minute history older than MONITOR_HISTORY_DAYS goes."""
    return history.purge_camera_history(int(settings.MONITOR_HISTORY_DAYS))
