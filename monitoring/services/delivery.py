"""Delivering the outbox: every pending AlertDelivery reaches its handler, at least once, whatever fails.

Each handler has a pool of its own threads, so a handler that is down, slow or hanging only delays its own
deliveries. A delivery is claimed with a conditional UPDATE (pending and due -> sending, attempts + 1, claimed
until the timeout), so two processes never send the same attempt. The handler runs with a timeout; then the row
becomes delivered, or pending again with an exponential backoff, or dead after ALERT_MAX_ATTEMPTS (the admin can
retry it). A sender that died mid-send leaves its row ``sending``; once the claim expires any sweep retries it.

Sweeps run in every process that dispatched (a background thread), in ``run_monitors`` and the embedded web
process, and as a beat task with Redis: whoever comes first claims.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from functools import partial

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from monitoring.handlers import HANDLERS
from monitoring.handlers.base import DeliveryError, Handler
from monitoring.models import AlertDelivery, AlertProcessing, DeliveryStatus
from monitoring.services.messages import build_message

logger = logging.getLogger(__name__)

#: How often the background sweep looks for due retries and orphaned claims.
SWEEP_S = 1.0
#: At most this many deliveries are taken per sweep (the rest come with the next one).
SWEEP_BATCH = 500
#: Threads per handler: a few messages in flight each, so one slow broker round trip does not serialise them.
THREADS_PER_HANDLER = 4
#: The processing switches (paused, configuration version) are re-read at most this often.
SWITCHES_TTL_S = 1.0
_ERROR_MAX = AlertDelivery._meta.get_field("last_error").max_length or 500


def retry_delay(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: base * 2^(attempts-1), capped, with 10 % jitter."""
    delay = min(settings.ALERT_RETRY_MAX_S, settings.ALERT_RETRY_BASE_S * 2 ** max(0, attempts - 1))
    return float(delay * random.uniform(0.9, 1.1))


# --- the shared switches ---------------------------------------------------------------------------------------
class Switches:
    """AlertProcessing's row, cached per process for SWITCHES_TTL_S: every process obeys a stop within ~1 s."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read_at = -1e9
        self._paused = False
        self._version = 0

    def _refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._read_at < SWITCHES_TTL_S:
                return
            row = AlertProcessing.objects.filter(pk=1).values("paused", "config_version").first()
            self._paused = bool(row and row["paused"])
            self._version = int(row["config_version"]) if row else 1
            self._read_at = time.monotonic()

    def paused(self) -> bool:
        self._refresh()
        return self._paused

    def version(self) -> int:
        self._refresh()
        return self._version

    def forget(self) -> None:
        with self._lock:
            self._read_at = -1e9


switches = Switches()


# --- handlers, built on first use ------------------------------------------------------------------------------
class HandlerRegistry:
    """The handler objects of this process, rebuilt when the configuration version changes (restart)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handlers: dict[str, Handler] = {}
        self._version: int | None = None

    def get(self, name: str) -> Handler | None:
        """The enabled handler ``name`` (built now if needed), else None."""
        version = switches.version()
        with self._lock:
            if version != self._version:
                self._close_locked()
                self._version = version
            handler = self._handlers.get(name)
            if handler is None:
                spec = HANDLERS.get(name)
                if spec is None or not spec.enabled:
                    return None
                handler = self._handlers[name] = import_string(spec.path).from_settings()
            return handler

    def close(self) -> None:
        with self._lock:
            self._close_locked()

    def _close_locked(self) -> None:
        for name, handler in self._handlers.items():
            try:
                handler.close()
            except Exception:
                logger.exception("alert handler %s did not close cleanly", name)
        self._handlers.clear()


handlers = HandlerRegistry()


class HandlerTimeout(Exception):
    pass


def call_with_timeout(handler: Handler, message: object, timeout_s: float) -> str | None:
    """Run ``handler.send`` in a thread of its own and wait at most ``timeout_s``; a hung call is abandoned (its
    daemon thread may finish later; the claim it held has expired by then and its result is ignored)."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = handler.send(message)  # type: ignore[arg-type]
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, name=f"alert-send-{handler.name}", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise HandlerTimeout(f"no answer within {timeout_s:g} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    result = outcome.get("result")
    return None if result is None else str(result)


# --- one delivery ----------------------------------------------------------------------------------------------
def deliver_one(delivery_id: int) -> str:
    """Claim and attempt one delivery; returns its status afterwards ("skipped" when not ours to send now)."""
    if switches.paused():
        return "skipped"
    timeout_s = float(settings.ALERT_HANDLER_TIMEOUT_S)
    now = timezone.now()
    claimed = AlertDelivery.objects.filter(
        Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        | Q(status=DeliveryStatus.SENDING, claimed_until__lt=now),
        pk=delivery_id,
    ).update(
        status=DeliveryStatus.SENDING,
        attempts=F("attempts") + 1,
        claimed_until=now + dt.timedelta(seconds=timeout_s + 5),
    )
    if not claimed:
        return "skipped"
    delivery = AlertDelivery.objects.select_related("alert__camera", "alert__classroom").get(pk=delivery_id)
    attempt = delivery.attempts
    try:
        handler = handlers.get(delivery.handler)
        if handler is None:
            raise DeliveryError(f"handler {delivery.handler!r} is not enabled", permanent=False)
        message = build_message(delivery.alert, delivery.event)  # type: ignore[arg-type]
        external_id = call_with_timeout(handler, message, timeout_s)
    except Exception as error:
        return _failed(delivery_id, attempt, error)
    mine = AlertDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING, attempts=attempt)
    mine.update(
        status=DeliveryStatus.DELIVERED,
        delivered_at=timezone.now(),
        external_id=(external_id or "")[:100],
        claimed_until=None,
        last_error="",
    )
    return DeliveryStatus.DELIVERED


def _failed(delivery_id: int, attempt: int, error: Exception) -> str:
    permanent = isinstance(error, DeliveryError) and error.permanent
    text = f"{type(error).__name__}: {error}"[:_ERROR_MAX]
    dead = permanent or attempt >= settings.ALERT_MAX_ATTEMPTS
    status = DeliveryStatus.DEAD if dead else DeliveryStatus.PENDING
    AlertDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING, attempts=attempt).update(
        status=status,
        last_error=text,
        claimed_until=None,
        next_attempt_at=timezone.now() + dt.timedelta(seconds=retry_delay(attempt)),
    )
    log = logger.error if dead else logger.warning
    log("alert delivery %s failed (attempt %s%s): %s", delivery_id, attempt, ", dead" if dead else "", text)
    return status


def due_deliveries(limit: int = SWEEP_BATCH) -> list[tuple[int, str]]:
    """(id, handler) of the deliveries to attempt now: pending and due, or claimed by a sender that died."""
    now = timezone.now()
    return list(
        AlertDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.SENDING, claimed_until__lt=now)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "handler")[:limit]
    )


def retry_dead(delivery_ids: Iterable[int]) -> int:
    """Give dead deliveries a fresh set of attempts, due now (the admin's retry action)."""
    count = AlertDelivery.objects.filter(pk__in=list(delivery_ids), status=DeliveryStatus.DEAD).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    if count:
        transaction.on_commit(dispatcher.wake)
    return count


# --- the dispatcher --------------------------------------------------------------------------------------------
class Dispatcher:
    """This process's delivery threads: a pool per handler and a background sweep, started on first use."""

    def __init__(self, threads_per_handler: int = THREADS_PER_HANDLER, sweep_s: float = SWEEP_S) -> None:
        self.threads_per_handler = threads_per_handler
        self.sweep_s = sweep_s
        self._lock = threading.Lock()
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._in_flight: dict[int, Future[str]] = {}
        self._wake = threading.Event()
        self._sweeper: threading.Thread | None = None
        self._stopped = threading.Event()

    def submit(self, deliveries: Iterable[tuple[int, str]]) -> list[Future[str]]:
        """Attempt these (id, handler) deliveries in the handlers' pools; ids already in flight here are skipped."""
        futures = []
        with self._lock:
            for delivery_id, handler in deliveries:
                if delivery_id in self._in_flight:
                    futures.append(self._in_flight[delivery_id])
                    continue
                pool = self._pools.get(handler)
                if pool is None:
                    pool = self._pools[handler] = ThreadPoolExecutor(
                        self.threads_per_handler, thread_name_prefix=f"alerts-{handler}"
                    )
                future = pool.submit(_run_in_thread, delivery_id)
                self._in_flight[delivery_id] = future
                future.add_done_callback(partial(self._forget, delivery_id))
                futures.append(future)
        self.start()
        return futures

    def _forget(self, delivery_id: int, _future: Future[str]) -> None:
        with self._lock:
            self._in_flight.pop(delivery_id, None)

    def sweep(self) -> list[Future[str]]:
        """Submit every due delivery (unless paused)."""
        if switches.paused():
            return []
        return self.submit(due_deliveries())

    def deliver_due(self, wait_s: float) -> int:
        """Sweep, then wait up to ``wait_s`` for those attempts; returns how many were attempted."""
        futures = self.sweep()
        if futures:
            wait_futures(futures, timeout=wait_s)
        return len(futures)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        with self._lock:
            if self._sweeper is not None and self._sweeper.is_alive():
                return
            self._stopped.clear()
            self._sweeper = threading.Thread(target=self._sweep_forever, name="alerts-sweep", daemon=True)
            self._sweeper.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop sweeping and drop the attempts not started yet (they stay pending in the database)."""
        with self._lock:
            sweeper, self._sweeper = self._sweeper, None
            pools, self._pools = self._pools, {}
            self._in_flight.clear()
            self._stopped.set()
            self._wake.set()
        for pool in pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
        if sweeper is not None and sweeper is not threading.current_thread():
            sweeper.join(timeout_s)

    def _sweep_forever(self) -> None:
        stopped = self._stopped
        while not stopped.is_set():
            self._wake.wait(self.sweep_s)
            self._wake.clear()
            if stopped.is_set():
                break
            try:
                self.sweep()
            except Exception:
                logger.exception("alert sweep failed; trying again shortly")
                _reset_connection()
            finally:
                close_old_connections()


def _run_in_thread(delivery_id: int) -> str:
    try:
        return deliver_one(delivery_id)
    except Exception:
        logger.exception("alert delivery %s could not be attempted", delivery_id)
        _reset_connection()
        return "error"
    finally:
        close_old_connections()


def _reset_connection() -> None:
    if not connection.in_atomic_block:
        try:
            close_old_connections()
        except Exception:
            logger.exception("could not reset the database connection")


dispatcher = Dispatcher()


def dispatch_after_commit(deliveries: list[tuple[int, str]]) -> None:
    """Hand these deliveries to the dispatcher once the transaction that wrote them commits."""
    transaction.on_commit(lambda: dispatcher.submit(deliveries))
