"""Delivering the outbox: every pending AlertDelivery reaches its handler, at least once, whatever fails.

Each handler has a lane of its own (a queue and two sender threads), so a handler that is down, slow or hanging
only delays its own deliveries. A sender claims a batch of its handler's deliveries with one conditional UPDATE
(pending and due -> sending, attempts + 1, a claim token, claimed until twice the timeout), so two processes never
send the same attempt, and records the batch's outcomes in a few more: a burst of alerts costs the database little
more than one. Each send runs with a timeout; then the row becomes delivered, or pending again with an
exponential backoff, or dead after ALERT_MAX_ATTEMPTS (the admin can retry it). A sender that died mid-send
leaves its rows ``sending``; once the claim expires any sweep retries them.

Sweeps run in every process that dispatched (a background thread), in ``run_monitors`` and the embedded web
process, and as a beat task with Redis: whoever comes first claims.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from monitoring.events import AlertMessage
from monitoring.events import DeliveryEvent as DeliveryEventName
from monitoring.handlers import HANDLERS
from monitoring.handlers.base import DeliveryError, Handler
from monitoring.models import AlertDelivery, AlertProcessing, DeliveryEvent, DeliveryStatus
from monitoring.services.messages import build_message
from school.backoff import backoff_delay

logger = logging.getLogger(__name__)

#: How often the background sweep looks for due retries and orphaned claims.
SWEEP_S = 1.0
#: At most this many deliveries are taken per sweep (the rest come with the next one).
SWEEP_BATCH = 500
#: Sender threads per handler: two batches in flight, so one slow round trip does not hold every message back.
THREADS_PER_HANDLER = 2
#: Deliveries one sender claims and records at once, and how long it waits for a batch to fill.
BATCH = 100
LINGER_S = 0.02
#: A sender thread with nothing to do for this long closes its database connection.
IDLE_CLOSE_S = 60.0
#: The processing switches (paused, configuration version) are re-read at most this often.
SWITCHES_TTL_S = 1.0
T = TypeVar("T")
_ERROR_MAX = AlertDelivery._meta.get_field("last_error").max_length or 500


def retry_delay(attempts: int) -> float:
    """Seconds before delivery attempt ``attempts + 1`` (ALERT_RETRY_BASE_S doubling up to ALERT_RETRY_MAX_S)."""
    return backoff_delay(attempts, base_s=settings.ALERT_RETRY_BASE_S, max_s=settings.ALERT_RETRY_MAX_S)


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


def call_with_timeout(handler: Handler, message: AlertMessage, timeout_s: float) -> str | None:
    """``handler.send(message)``, waiting at most ``timeout_s`` (see ``_with_timeout``)."""
    result = _with_timeout(lambda: handler.send(message), timeout_s, handler.name)
    return None if result is None else str(result)


def _with_timeout(call: Callable[[], T], timeout_s: float, name: str) -> T:
    """Run ``call`` in a thread of its own and wait at most ``timeout_s``; a hung call is abandoned (its daemon
    thread may finish later; the claim it held has expired by then and its result is ignored)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, name=f"alert-send-{name}", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise HandlerTimeout(f"no answer within {timeout_s:g} s")
    if "error" in outcome:
        raise outcome["error"]
    result: T = outcome["result"]
    return result


# --- attempts, in batches ---------------------------------------------------------------------------------------
class _NotYet(DeliveryError):
    """This message cannot go yet (its raise is still on its way); the receiver itself is fine."""


def _due(now: dt.datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_until__lt=now
    )


def deliver_batch(handler_name: str, delivery_ids: Sequence[int]) -> dict[int, str]:
    """Claim these deliveries of one handler (those due and free), attempt them in order, record each outcome.

    Returns the status each claimed delivery ended with. Three UPDATEs and two SELECTs serve the whole batch, so
    a burst of alerts costs the database little more than one. Sends start until ALERT_HANDLER_TIMEOUT_S is spent
    (the rest go back, due at once, with no attempt counted); once the receiver fails for a reason that is not the
    message's own (down, timing out), the rest of the batch fails with it rather than waiting out a timeout each.
    """
    if not delivery_ids or switches.paused():
        return {}
    timeout_s = float(settings.ALERT_HANDLER_TIMEOUT_S)
    token = uuid.uuid4().hex
    now = timezone.now()
    claimed = AlertDelivery.objects.filter(_due(now), pk__in=list(delivery_ids), handler=handler_name).update(
        status=DeliveryStatus.SENDING,
        attempts=F("attempts") + 1,
        claim=token,
        claimed_until=now + dt.timedelta(seconds=2 * timeout_s + 5),
    )
    if not claimed:
        return {}
    mine = AlertDelivery.objects.filter(claim=token, status=DeliveryStatus.SENDING)
    rows = list(mine.select_related("alert__camera", "alert__classroom").order_by("pk"))
    raised = _raised_deliveries(rows)
    delivered: list[tuple[AlertDelivery, str]] = []
    failed: list[tuple[AlertDelivery, Exception]] = []
    released: list[AlertDelivery] = []
    broken: Exception | None = None
    budget_ends = time.monotonic() + timeout_s
    try:
        handler: Handler | None = handlers.get(handler_name)
    except Exception as error:  # a configuration the handler cannot use (a malformed URL)
        handler, broken = None, error
    if handler is not None and handler.batches and broken is None:
        _send_at_once(handler, rows, raised, timeout_s, delivered, failed)
        rows = []
    for row in rows:
        if broken is not None:
            failed.append((row, broken))
            continue
        if time.monotonic() >= budget_ends:
            released.append(row)
            continue
        try:
            if handler is None:
                raise DeliveryError(f"handler {handler_name!r} is not enabled")
            delivered.append((row, call_with_timeout(handler, _message(row, raised), timeout_s) or ""))
        except Exception as error:
            failed.append((row, error))
            if not isinstance(error, DeliveryError) or not (error.permanent or isinstance(error, _NotYet)):
                broken = error
    outcomes = _record(mine, delivered, failed, released)
    if delivered and any(row.attempts > 1 for row, _ in delivered):
        expedite(handler_name)  # a retry went through: the receiver is back, its backlog need not wait
    return outcomes


def _send_at_once(
    handler: Handler,
    rows: list[AlertDelivery],
    raised: dict[int, tuple[str, str]],
    timeout_s: float,
    delivered: list[tuple[AlertDelivery, str]],
    failed: list[tuple[AlertDelivery, Exception]],
) -> None:
    """The batch through ``handler.send_many`` (one round of acknowledgements for all of it)."""
    ready: list[tuple[AlertDelivery, AlertMessage]] = []
    for row in rows:
        try:
            ready.append((row, _message(row, raised)))
        except Exception as error:
            failed.append((row, error))
    if not ready:
        return
    messages = [message for _row, message in ready]
    try:
        # The handler keeps within timeout_s itself; the thread's limit is for one that does not.
        results = _with_timeout(lambda: handler.send_many(messages, timeout_s), timeout_s + 1.0, handler.name)
        if len(results) != len(ready):
            raise DeliveryError(f"{handler.name} answered {len(results)} results for {len(ready)} messages")
    except Exception as error:
        failed.extend((row, error) for row, _sent in ready)
        return
    for (row, _sent), result in zip(ready, results, strict=True):
        if isinstance(result, Exception):
            failed.append((row, result))
        else:
            delivered.append((row, result or ""))


def deliver_one(delivery_id: int) -> str:
    """Claim and attempt one delivery; its status afterwards ("skipped" when it is not due or not free)."""
    handler = AlertDelivery.objects.filter(pk=delivery_id).values_list("handler", flat=True).first()
    if handler is None:
        return "skipped"
    return deliver_batch(handler, [delivery_id]).get(delivery_id, "skipped")


def _message(row: AlertDelivery, raised: dict[int, tuple[str, str]]) -> AlertMessage:
    event: DeliveryEventName = row.event  # type: ignore[assignment]
    return build_message(row.alert, event, raised_external_id=_raised_external_id(row, raised))


def _raised_deliveries(rows: list[AlertDelivery]) -> dict[int, tuple[str, str]]:
    """alert id -> (status, external id) of the raise, for the resolutions among ``rows``."""
    resolved = [row.alert_id for row in rows if row.event == DeliveryEvent.RESOLVED]
    if not resolved:
        return {}
    raises = AlertDelivery.objects.filter(alert_id__in=resolved, handler=rows[0].handler, event=DeliveryEvent.RAISED)
    return {
        alert_id: (status, external)
        for alert_id, status, external in raises.values_list("alert_id", "status", "external_id")
    }


def _raised_external_id(row: AlertDelivery, raised: dict[int, tuple[str, str]]) -> str:
    """For a resolution: the id its raise got from the receiver. A resolution never overtakes its raise."""
    if row.event != DeliveryEvent.RESOLVED or row.alert_id not in raised:
        return ""  # a raise, or a handler switched on after the alert was raised
    status, external_id = raised[row.alert_id]
    if status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
        raise _NotYet("the alert's raise is not delivered yet")
    return external_id


def _record(
    mine: QuerySet[AlertDelivery],
    delivered: list[tuple[AlertDelivery, str]],
    failed: list[tuple[AlertDelivery, Exception]],
    released: list[AlertDelivery],
) -> dict[int, str]:
    """Write the batch's outcomes; only rows still under this batch's claim are touched (a late result of an
    attempt whose claim expired and was taken over changes nothing)."""
    outcomes: dict[int, str] = {}
    now = timezone.now()
    plain = [row.pk for row, external_id in delivered if not external_id]
    done = {"status": DeliveryStatus.DELIVERED, "delivered_at": now, "claimed_until": None, "last_error": ""}
    if plain:
        mine.filter(pk__in=plain).update(**done)
    for row, external_id in delivered:
        if external_id:
            mine.filter(pk=row.pk).update(**done, external_id=external_id[:100])
        outcomes[row.pk] = DeliveryStatus.DELIVERED
    groups: dict[tuple[int, bool, str], list[int]] = {}
    for row, error in failed:
        permanent = isinstance(error, DeliveryError) and error.permanent
        dead = permanent or row.attempts >= settings.ALERT_MAX_ATTEMPTS
        text = f"{type(error).__name__}: {error}"[:_ERROR_MAX]
        groups.setdefault((row.attempts, dead, text), []).append(row.pk)
        outcomes[row.pk] = DeliveryStatus.DEAD if dead else DeliveryStatus.PENDING
    for (attempts, dead, text), pks in groups.items():
        mine.filter(pk__in=pks).update(
            status=DeliveryStatus.DEAD if dead else DeliveryStatus.PENDING,
            last_error=text,
            claimed_until=None,
            next_attempt_at=now + dt.timedelta(seconds=retry_delay(attempts)),
        )
        log = logger.error if dead else logger.warning
        log("%d alert deliveries failed (attempt %d%s): %s", len(pks), attempts, ", dead" if dead else "", text)
    if released:
        mine.filter(pk__in=[row.pk for row in released]).update(
            status=DeliveryStatus.PENDING, attempts=F("attempts") - 1, claimed_until=None, next_attempt_at=now
        )
        outcomes.update({row.pk: DeliveryStatus.PENDING for row in released})
    return outcomes


def due_deliveries(limit: int = SWEEP_BATCH) -> list[tuple[int, str]]:
    """(id, handler) of the deliveries to attempt now: pending and due, or claimed by a sender that died."""
    return list(
        AlertDelivery.objects.filter(_due(timezone.now()))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "handler")[:limit]
    )


def expedite(handler: str) -> int:
    """The handler's receiver is reachable again (a broker reconnected): its waiting retries are due now, instead
    of after their backoff, so an outage drains as soon as it ends. Returns how many were brought forward."""
    count = AlertDelivery.objects.filter(
        handler=handler, status=DeliveryStatus.PENDING, next_attempt_at__gt=timezone.now()
    ).update(next_attempt_at=timezone.now())
    if count:
        dispatcher.wake()
    return count


def retry_dead(delivery_ids: Iterable[int]) -> int:
    """Give dead deliveries a fresh set of attempts, due now (the admin's retry action)."""
    count = AlertDelivery.objects.filter(pk__in=list(delivery_ids), status=DeliveryStatus.DEAD).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    if count:
        transaction.on_commit(dispatcher.wake)
    return count


# --- the dispatcher --------------------------------------------------------------------------------------------
class _Lane:
    """One handler's queue of delivery ids and its sender threads, each taking a batch at a time."""

    def __init__(self, name: str, threads: int, batch: int) -> None:
        self.name = name
        self.batch = batch
        self.cond = threading.Condition()
        self.queued: dict[int, None] = {}  # insertion-ordered set
        self.busy: set[int] = set()
        self.stopped = False
        self._threads = [
            threading.Thread(target=self._run, name=f"alerts-{name}-{index}", daemon=True) for index in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def add(self, delivery_ids: Iterable[int]) -> int:
        with self.cond:
            fresh = [i for i in delivery_ids if i not in self.queued and i not in self.busy]
            self.queued.update(dict.fromkeys(fresh))
            if fresh:
                self.cond.notify_all()
            return len(fresh)

    def idle(self) -> bool:
        with self.cond:
            return not self.queued and not self.busy

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.queued.clear()
            self.cond.notify_all()

    def _take(self) -> list[int] | None:
        with self.cond:
            while not self.queued and not self.stopped:
                if not self.cond.wait(IDLE_CLOSE_S):
                    connection.close()  # idle: give the database its connection back until work comes
            # Linger a moment for the rest of a burst: one batch of many costs the database (and the GIL the
            # publishers share) about what one delivery does.
            until = time.monotonic() + LINGER_S
            while not self.stopped and len(self.queued) < self.batch and (left := until - time.monotonic()) > 0:
                self.cond.wait(left)
            if self.stopped:
                return None
            taken = list(self.queued)[: self.batch]
            for delivery_id in taken:
                del self.queued[delivery_id]
            self.busy.update(taken)
            return taken

    def _run(self) -> None:
        # The thread keeps its database connection between batches (a new PostgreSQL connection costs more than
        # the batch itself); it is dropped after an error, after IDLE_CLOSE_S without work, and when the lane ends.
        try:
            while (taken := self._take()) is not None:
                try:
                    deliver_batch(self.name, taken)
                except Exception:
                    logger.exception("alert deliveries %s could not be attempted", taken)
                    connection.close()
                finally:
                    with self.cond:
                        self.busy.difference_update(taken)
                        self.cond.notify_all()
        finally:
            connection.close()


class Dispatcher:
    """This process's delivery threads: a lane per handler and a background sweep, started on first use."""

    def __init__(
        self, threads_per_handler: int = THREADS_PER_HANDLER, sweep_s: float = SWEEP_S, batch: int = BATCH
    ) -> None:
        self.threads_per_handler = threads_per_handler
        self.sweep_s = sweep_s
        self.batch = batch
        self._lock = threading.Lock()
        self._lanes: dict[str, _Lane] = {}
        self._wake = threading.Event()
        self._sweeper: threading.Thread | None = None
        self._stopped = threading.Event()

    def submit(self, deliveries: Iterable[tuple[int, str]]) -> int:
        """Queue these (id, handler) deliveries on their handlers' lanes; returns how many were new here."""
        by_handler: dict[str, list[int]] = {}
        for delivery_id, handler in deliveries:
            by_handler.setdefault(handler, []).append(delivery_id)
        added = 0
        with self._lock:
            for handler, ids in by_handler.items():
                lane = self._lanes.get(handler)
                if lane is None:
                    lane = self._lanes[handler] = _Lane(handler, self.threads_per_handler, self.batch)
                added += lane.add(ids)
        self.start()
        return added

    def sweep(self) -> int:
        """Queue every due delivery (unless paused)."""
        if switches.paused():
            return 0
        return self.submit(due_deliveries())

    def deliver_due(self, wait_s: float) -> int:
        """Sweep, then wait up to ``wait_s`` for the lanes to finish; returns how many deliveries were queued."""
        queued = self.sweep()
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and not all(lane.idle() for lane in list(self._lanes.values())):
            time.sleep(0.02)
        return queued

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
            lanes, self._lanes = self._lanes, {}
            self._stopped.set()
            self._wake.set()
        for lane in lanes.values():
            lane.stop()
        if sweeper is not None and sweeper is not threading.current_thread():
            sweeper.join(timeout_s)

    def _sweep_forever(self) -> None:
        stopped = self._stopped
        try:
            while not stopped.is_set():
                self._wake.wait(self.sweep_s)
                self._wake.clear()
                if stopped.is_set():
                    break
                try:
                    self.sweep()
                except Exception:
                    logger.exception("alert sweep failed; trying again shortly")
                    connection.close()  # it may be the connection that broke: the next sweep opens a new one
        finally:
            connection.close()


dispatcher = Dispatcher()


def dispatch_after_commit(deliveries: list[tuple[int, str]]) -> None:
    """Hand these deliveries to the dispatcher once the transaction that wrote them commits."""
    transaction.on_commit(lambda: dispatcher.submit(deliveries))
