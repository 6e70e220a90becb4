"""A camera processor: reads the camera's stream, recognises the students and marks them present.

One runs per enabled camera (the lease makes sure of it), in a Celery worker on the ``streams`` queue, in the web
process (embedded mode, see supervisor.py) or in the foreground (``manage.py run_camera``). It survives what a
classroom camera does: the stream drops (Wi-Fi), the camera reboots, the database blinks. It reconnects with
exponential backoff and picks up configuration changes from the camera's row without a restart.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.services.sightings import record_sighting
from cameras.models import Camera
from cameras.services.frames import publish_frame, publish_still
from cameras.services.history import MinuteRecorder, MinuteStats, percentile, record_minute
from cameras.services.lease import Lease, LeaseKeeper, acquire_lease
from cameras.services.monitor_feed import (
    FACE_NODE,
    MonitorFeed,
    analytics_message,
    error_message,
    frame_message,
    status_message,
)
from cameras.services.overlay import Label, annotate, encode_jpeg
from cameras.services.recognition import RosterScope, StudentDirectory, build_pipeline
from cameras.services.status import UNSET, set_camera_status
from cameras.services.unknown_faces import KeptFace, UnknownFaceKeeper, alert_is_wanted, track_key
from cameras.signals import unknown_face_seen, zone_intrusion_seen
from recognition.engine.analytics import AnalyticsNode, FrameTracks, Intrusion, NodeResult, nodes_from_config
from recognition.engine.images import RGBImage
from recognition.engine.pipeline import (
    FramePipeline,
    FrameReport,
    Identification,
    TrackedFace,
    UnknownFace,
    UnknownTrack,
    face_crop_jpeg,
)
from recognition.engine.video import StreamError, is_live, open_frames
from recognition.services.freshness import offer_from_identification
from school.services.lessons import current_lesson

logger = logging.getLogger(__name__)

# Why run_processor returned.
STOPPED = "stopped"  # the caller asked (Ctrl+C, supervisor shutting down)
TIME_LIMIT = "time-limit"  # max_seconds ran out (the Celery task then queues the next run)
DISABLED = "disabled"
DELETED = "deleted"
BUSY = "busy"  # another processor holds the lease
LEASE_LOST = "lease-lost"  # taken over while we were stalled: the other processor goes on

#: Configuration is re-read this often: an admin's change applies within seconds.
RELOAD_S = 3.0
#: Live status (last frame, fps) is written at most this often: one UPDATE, not one per frame.
STATUS_S = 2.0
#: Annotated frames go to the relay at most this often (5 fps), whatever the camera's rate.
PUBLISH_S = 0.2
#: The raw frame the admin's analytics editor draws over is refreshed this often.
STILL_S = 10.0
#: Reconnection delays: 1, 2, 4, ... seconds, capped; back to the start once frames flow again.
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 30.0
#: A sighting the database refused is retried for this long (the pipeline reports each face only once).
RETRY_SIGHTINGS_S = 300.0
#: Whether the classroom has a lesson (for the "outside_lessons" zones) is looked up this often, not per frame.
LESSON_CHECK_S = 30.0
_MAX_PENDING = 200
#: The same error is shown on the monitor at most this often (a broken decoder fails on every frame).
ERROR_REPEAT_S = 10.0
#: Processing times kept for the monitor's p50/p95.
_PROCESSING_KEPT = 120


class Backoff:
    def __init__(self, base_s: float | None = None, max_s: float | None = None) -> None:
        self.base_s = BACKOFF_BASE_S if base_s is None else base_s
        self.max_s = BACKOFF_MAX_S if max_s is None else max_s
        self.attempts = 0

    def next_delay(self) -> float:
        delay = min(self.max_s, self.base_s * 2**self.attempts)
        self.attempts += 1
        return delay

    def reset(self) -> None:
        self.attempts = 0


@dataclass(frozen=True)
class _Settings:
    """The part of the camera row that shapes the pipeline and its analytics: a change rebuilds them (new tracks,
    fresh analytics state)."""

    sample_fps: float
    tolerance: float | None
    classroom_id: int
    analytics: str  # the analytics settings as canonical JSON (a dict would make the settings unhashable)

    @classmethod
    def of(cls, camera: Camera) -> _Settings:
        analytics = json.dumps(camera.analytics, sort_keys=True)
        return cls(camera.sample_fps, camera.tolerance, camera.classroom_id, analytics)


@dataclass
class _Pending:
    identification: Identification
    seen_at: dt.datetime
    first_try: float


class _Reconnect(Exception):
    """The stream URL changed: reopen at once, without counting a failure."""


class _Stop(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def run_processor(camera_id: int, *, stop: threading.Event | None = None, max_seconds: float | None = None) -> str:
    """Process the camera until stopped, disabled, deleted, out of time or taken over; returns why it stopped."""
    return CameraProcessor(camera_id, stop=stop, max_seconds=max_seconds).run()


class CameraProcessor:
    def __init__(
        self, camera_id: int, *, stop: threading.Event | None = None, max_seconds: float | None = None
    ) -> None:
        self.camera_id = camera_id
        self.stop_event = stop or threading.Event()
        self.deadline = None if max_seconds is None else time.monotonic() + max_seconds
        self.students = StudentDirectory()
        self.camera: Camera
        self.keeper: LeaseKeeper
        self.pipeline: FramePipeline
        self.scope: RosterScope
        self._settings: _Settings
        self.nodes: list[AnalyticsNode] = []
        #: The latest result of each analytics node, by node id (what a monitor page shows).
        self.analytics: dict[str, NodeResult] = {}
        self._in_lesson: int | None = None
        self._lesson_checked_at: float | None = None
        self._pending: list[_Pending] = []
        self._labels: list[Label] = []
        self._reloaded_at = self._status_at = self._published_at = 0.0
        self._still_at: float | None = None
        self._frames_since_status = 0
        # What the monitor shows (monitor_feed.py): counters since this processor started, the live status.
        self.feed: MonitorFeed | None = None
        self.minutes = MinuteRecorder()
        self._started_at = time.monotonic()
        self._frames_read = self._frames_analysed = self._encodings = self._errors = 0
        self._fps: float | None = None
        self._state: str = Camera.State.CONNECTING
        self._last_error = ""
        self._last_frame_at: dt.datetime | None = None
        self._processing: deque[float] = deque(maxlen=_PROCESSING_KEPT)
        self._node_states: dict[str, str] = {}
        self._errors_posted: dict[str, float] = {}
        # Unknown faces kept for review: the writer thread, and the lesson of each track announced as unknown.
        self.unknown_keeper: UnknownFaceKeeper | None = None
        self._unknown_lessons: dict[int, int] = {}

    # --- lifecycle ----------------------------------------------------------------------------------------------
    def run(self) -> str:
        camera = self._load()
        if camera is None:
            return DELETED
        if not camera.enabled:
            set_camera_status(self.camera_id, state=Camera.State.DISABLED, measured_fps=None)
            return DISABLED
        lease = acquire_lease(self.camera_id)
        if lease is None:
            return BUSY
        self.keeper = LeaseKeeper(lease).start()
        self.feed = MonitorFeed(self.camera_id, max_rate=float(settings.MONITOR_MAX_RATE)).start()
        self.minutes = MinuteRecorder(timezone.now())
        self.unknown_keeper = UnknownFaceKeeper(self.camera_id).start()
        reason = STOPPED
        try:
            self._configure(camera)
            reason = self._run_with_reconnects()
            return reason
        except _Stop as stop:
            reason = stop.reason
            return reason
        except Exception as error:  # a bug, not a camera problem: show it in the admin, let the caller restart us
            reason = "crashed"
            text = f"{type(error).__name__}: {error}"
            self._set_status(state=Camera.State.ERROR, last_error=text)
            self._post_error(text, "error")
            raise
        finally:
            self.keeper.stop()
            self._keep_live_unknowns()
            self.unknown_keeper.stop()
            self._finish(lease, reason)
            self._write_minute(self.minutes.finish(timezone.now()))
            self.feed.stop()

    def _finish(self, lease: Lease, reason: str) -> None:
        try:
            lease.release()
        except Exception:
            logger.exception("camera %s: could not release the lease (it will expire)", self.camera_id)
        final = {DISABLED: Camera.State.DISABLED, STOPPED: Camera.State.IDLE}.get(reason)
        if final is not None:
            self._set_status(state=final, measured_fps=None)
        logger.info("camera %s: processor stopped (%s)", self.camera_id, reason)

    def _run_with_reconnects(self) -> str:
        backoff = Backoff()
        state = Camera.State.CONNECTING
        while True:
            self._check_stop()
            self._set_status(state=state)
            url = self.camera.stream_url
            try:
                error, got_frames = self._stream(url)
            except _Reconnect:
                backoff.reset()
                state = Camera.State.CONNECTING
                continue
            if got_frames:
                backoff.reset()
            if error is None:  # a video file played to its end: play it again, as a camera would go on
                continue
            delay = backoff.next_delay()
            logger.warning("camera %s: %s; reconnecting in %.0f s", self.camera_id, error, delay)
            state = Camera.State.RECONNECTING
            self._errors += 1
            self._write_minute(self.minutes.error(timezone.now()))
            self._set_status(state=state, measured_fps=None, last_error=error)
            self._post_error(error, "warning")
            self._wait(delay)

    def _check_stop(self) -> None:
        if self.stop_event.is_set():
            raise _Stop(STOPPED)
        if self.keeper.lost.is_set():
            raise _Stop(LEASE_LOST)
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise _Stop(TIME_LIMIT)
        self.keeper.touch()

    def _wait(self, seconds: float) -> None:
        """Sleep before reconnecting, still obeying stop requests and configuration changes."""
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            self.stop_event.wait(min(left, 0.5))
            self._check_stop()
            if self._reload_due() and self._reload():
                return  # the URL changed: try the new one now

    # --- streaming ----------------------------------------------------------------------------------------------
    def _stream(self, url: str) -> tuple[str | None, bool]:
        """Read until the stream fails (returns the error) or a file ends (None); raises _Reconnect/_Stop."""
        got_frames = False
        try:
            frames = open_frames(url, realtime=True)
        except StreamError as error:
            return str(error), False
        except Exception as error:  # e.g. a URL OpenCV chokes on: a configuration error, retried like a failure
            logger.exception("camera %s: the stream could not be opened", self.camera_id)
            return f"{type(error).__name__}: {error}", False
        try:
            for timestamp, frame in frames:
                seen_at = timezone.now()  # the wall-clock time of this read: what the sighting records
                if not got_frames:
                    got_frames = True
                    self._status_at = time.monotonic()
                    self._frames_since_status = 0
                    self._set_status(state=Camera.State.RUNNING, last_frame_at=seen_at, last_error="")
                self._frames_since_status += 1
                self._handle_frame(frame, timestamp, seen_at)
                self._check_stop()
                self._periodic(seen_at)
        except StreamError as error:
            return str(error), got_frames
        except (_Stop, _Reconnect):
            raise
        except Exception as error:  # a decoder or driver failure: log it fully, reconnect like a dropped stream
            logger.exception("camera %s: stream failed", self.camera_id)
            return f"{type(error).__name__}: {error}", got_frames
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()
        if not got_frames:
            return _("The video source delivered no frame."), False
        if is_live(url):
            return _("The camera closed the stream."), got_frames
        return None, got_frames

    def _handle_frame(self, frame: RGBImage, timestamp: float, seen_at: dt.datetime) -> None:
        self._frames_read += 1
        self._last_frame_at = seen_at
        self._write_minute(self.minutes.frame(seen_at))
        # Nothing that goes wrong with one frame (a corrupt image, a database error) may end the processor.
        try:
            if self.pipeline.wants(timestamp):
                started = time.perf_counter()
                encoded_before = self.pipeline.stats.faces_encoded
                report = self.pipeline.process(frame, timestamp)
                self._encodings += self.pipeline.stats.faces_encoded - encoded_before
                if report.analysed:
                    self._labels = [self._label(face) for face in report.faces]
                for identification in report.identifications:
                    # The identification may stem from an earlier frame than this one: date it accordingly.
                    lag = max(0.0, timestamp - identification.timestamp)
                    pending = _Pending(identification, seen_at - dt.timedelta(seconds=lag), time.monotonic())
                    if not self._record(pending) and len(self._pending) < _MAX_PENDING:
                        self._pending.append(pending)
                for view in report.confident_views:  # a view from before the decision is dated as such
                    self._offer_fresh_photo(view, seen_at - dt.timedelta(seconds=max(0.0, timestamp - view.timestamp)))
                for unknown in report.unknowns:
                    self._announce_unknown(unknown, frame, seen_at)
                for ended in report.ended_unknown:
                    self._keep_unknown(ended, seen_at - dt.timedelta(seconds=max(0.0, timestamp - ended.last_seen)))
                if report.analysed and self._unknown_lessons:
                    self._follow_lesson(seen_at)
                if report.analysed:
                    node_results = self._analyse(report, frame, seen_at) if self.nodes else {}
                    self._analysed(report, time.perf_counter() - started, seen_at, node_results)
        except Exception as error:
            logger.exception("camera %s: a frame could not be analysed", self.camera_id)
            self._errors += 1
            self._write_minute(self.minutes.error(seen_at))
            self._post_error(f"{type(error).__name__}: {error}", "error")
            _reset_broken_connection()
        now = time.monotonic()
        if now - self._published_at >= PUBLISH_S:
            self._published_at = now
            try:
                publish_frame(self.camera_id, annotate(frame, self._labels))
                if self._still_at is None or now - self._still_at >= STILL_S:
                    self._still_at = now
                    publish_still(self.camera_id, encode_jpeg(frame))
            except Exception:
                logger.exception("camera %s: the live frame could not be published", self.camera_id)

    def _label(self, face: TrackedFace) -> Label:
        box = face.box
        name = "?" if face.student_id is None else self.students.name(face.student_id)
        return Label(box.top, box.right, box.bottom, box.left, name, face.student_id is not None)

    def _record(self, pending: _Pending) -> bool:
        identification = pending.identification
        try:
            if identification.student_id not in self.scope():
                return True  # left the roster meanwhile: not this classroom's student
            student = self.students.get(identification.student_id)
            if student is None:
                return True  # deleted meanwhile
            record_sighting(
                student=student,
                classroom=self.camera.classroom,
                seen_at=pending.seen_at,
                distance=identification.distance,
                camera=self.camera,
                crop_jpeg=identification.crop_jpeg,
                dedup_seconds=self.camera.dedup_seconds,
            )
            return True
        except Exception:
            logger.exception("camera %s: sighting of student %s not recorded yet", self.camera_id, _student_id(pending))
            _reset_broken_connection()
            return False

    def _offer_fresh_photo(self, view: Identification, seen_at: dt.datetime) -> None:
        """A decided track's confident view (one per track at most): its crop is proposed as a fresh enrollment
        photo when the student's photos are old (the freshness service checks consent, age and pending ones)."""
        try:
            if view.student_id not in self.scope():
                return
            student = self.students.get(view.student_id)
        except Exception:
            logger.exception("camera %s: no fresh photo offered for student %s", self.camera_id, view.student_id)
            _reset_broken_connection()
            return
        if student is not None:
            offer_from_identification(student, view, seen_at=seen_at, where=self.camera.name)

    def _announce_unknown(self, unknown: UnknownFace, frame: RGBImage, seen_at: dt.datetime) -> None:
        """A face nobody could name for a whole decision window: worth telling someone, during a lesson."""
        lesson = current_lesson(self.camera.classroom, seen_at)
        if lesson is None:
            return
        self._unknown_lessons[unknown.track_id] = lesson.pk  # kept for review when the track or the lesson ends
        if not alert_is_wanted(unknown.encoding):
            return  # staff said this person is not a student (a visitor, a teacher)
        box = unknown.box
        unknown_face_seen.send_robust(
            Camera,
            camera=self.camera,
            lesson=lesson,
            track_id=unknown.track_id,
            track_key=f"{self._run_key}-{unknown.track_id}",
            seen_at=seen_at,
            crop_jpeg=unknown.crop_jpeg,
            box=(box.top, box.right, box.bottom, box.left),
            frame_size=(frame.shape[1], frame.shape[0]),
            best_distance=unknown.best_distance,
        )

    def _keep_unknown(self, unknown: UnknownTrack, seen_at: dt.datetime, *, lesson_id: int | None = None) -> None:
        """Hand a track that stayed unknown during a lesson to the keeper (its own thread writes it)."""
        if lesson_id is None:
            lesson_id = self._unknown_lessons.pop(unknown.track_id, None)
        if lesson_id is None or self.unknown_keeper is None:
            return  # never announced during a lesson
        self.unknown_keeper.keep(
            KeptFace(
                camera_id=self.camera_id,
                where=self.camera.name,
                classroom_id=self.camera.classroom_id,
                lesson_id=lesson_id,
                track_key=track_key(self.camera_id, lesson_id, self._run_key, unknown.track_id),
                seen_at=seen_at,
                track=unknown,
            )
        )

    def _follow_lesson(self, seen_at: dt.datetime) -> None:
        """A lesson ended while unknown tracks are still in view: each is kept for that lesson now, and counts for
        the next lesson, if one began, from then on."""
        lesson_id = self._lesson_now(seen_at)
        for unknown in self.pipeline.unknown_tracks():
            previous = self._unknown_lessons.get(unknown.track_id)
            if previous is None or previous == lesson_id:
                continue
            self._keep_unknown(unknown, seen_at, lesson_id=previous)
            if lesson_id is None:
                del self._unknown_lessons[unknown.track_id]
            else:
                self._unknown_lessons[unknown.track_id] = lesson_id

    def _keep_live_unknowns(self) -> None:
        """The pipeline goes (the processor stops, or its settings changed): its unknown tracks end here."""
        if not hasattr(self, "pipeline"):
            return
        try:
            for unknown in self.pipeline.unknown_tracks():
                self._keep_unknown(unknown, timezone.now())
        except Exception:
            logger.exception("camera %s: unknown faces in view not kept", self.camera_id)
        self._unknown_lessons = {}

    def _analyse(self, report: FrameReport, frame: RGBImage, seen_at: dt.datetime) -> dict[str, dict[str, Any]]:
        """Run the analytics nodes on an analysed frame; announce the zone intrusions it revealed and the results
        that changed; returns each node's result (for the frame's monitor message)."""
        height, width = frame.shape[:2]
        lesson_id = self._lesson_now(seen_at)
        tracks = FrameTracks.from_report(
            report,
            at=timezone.localtime(seen_at),
            width=width,
            height=height,
            in_lesson=lesson_id is not None,
            lesson_id=lesson_id,
        )
        results: dict[str, dict[str, Any]] = {}
        for node in self.nodes:
            try:
                result = node.process(tracks)
            except Exception:  # one broken node must not take the others (nor face recognition) down
                logger.exception("camera %s: analytics node %s failed", self.camera_id, node.node_id)
                self._node_states[node.node_id] = "error"
                self._errors += 1
                continue
            self._node_states[node.node_id] = "running"
            self.analytics[node.node_id] = result
            results[node.node_id] = analytics = _analytics_fields(result)
            if result.changed and self.feed is not None:
                self.feed.post_analytics(analytics_message(self.camera_id, analytics))
            if result.people_count is not None:
                self.minutes.people(result.people_count)
            if result.new_crossings:
                self.minutes.crossings(result.new_crossings.get("in", 0), result.new_crossings.get("out", 0))
            for intrusion in result.new_intrusions:
                self._announce_intrusion(intrusion, frame, seen_at)
        return results

    def _analysed(
        self, report: FrameReport, processing_s: float, seen_at: dt.datetime, node_results: dict[str, dict[str, Any]]
    ) -> None:
        """Count an analysed frame for the monitor: its history minute and, as the throttle allows, its message."""
        self._frames_analysed += 1
        self._processing.append(processing_s)
        self.minutes.analysed(processing_s, len(report.faces), report.known, report.unknown)
        if self.feed is None or not self.feed.frame_due():
            return
        times = list(self._processing)
        frame_data = {
            "frame_id": self._frames_read,
            "timestamp": seen_at.isoformat(),
            "detections_count": len(report.faces),
            "processing_time": round(processing_s, 4),
            "fps": self._fps,
            "known": report.known,
            "unknown": report.unknown,
            "processing_p50": percentile(times, 0.5),
            "processing_p95": percentile(times, 0.95),
            "node_results": node_results,
        }
        self.feed.post_frame(frame_message(self.camera_id, frame_data))

    def _lesson_now(self, seen_at: dt.datetime) -> int | None:
        """The id of the classroom's lesson going on now, if any, looked up every LESSON_CHECK_S (the last answer
        meanwhile, and while the database is unreachable)."""
        tick = time.monotonic()
        if self._lesson_checked_at is None or tick - self._lesson_checked_at >= LESSON_CHECK_S:
            self._lesson_checked_at = tick
            try:
                lesson = current_lesson(self.camera.classroom, seen_at)
                self._in_lesson = None if lesson is None else lesson.pk
            except Exception:
                logger.exception("camera %s: could not tell whether a lesson is on", self.camera_id)
                _reset_broken_connection()
        return self._in_lesson

    def _announce_intrusion(self, intrusion: Intrusion, frame: RGBImage, seen_at: dt.datetime) -> None:
        """A tracked face stayed inside a watched zone: sent once per track and zone."""
        box = intrusion.box
        zone_intrusion_seen.send_robust(
            Camera,
            camera=self.camera,
            zone_id=intrusion.zone_id,
            track_id=intrusion.track_id,
            track_key=f"{self._run_key}-{intrusion.track_id}",
            student_id=intrusion.student_id,
            seen_at=seen_at,
            crop_jpeg=face_crop_jpeg(frame, box),
            box=(box.top, box.right, box.bottom, box.left),
            frame_size=(frame.shape[1], frame.shape[0]),
        )

    def _periodic(self, now: dt.datetime) -> None:
        tick = time.monotonic()
        if tick - self._status_at >= STATUS_S:
            fps = self._frames_since_status / (tick - self._status_at)
            self._status_at, self._frames_since_status = tick, 0
            self._fps = round(fps, 2)
            self._set_status(state=Camera.State.RUNNING, last_frame_at=now, measured_fps=fps)
            self._retry_pending(tick)
        if self._reload_due() and self._reload():
            raise _Reconnect

    def _retry_pending(self, tick: float) -> None:
        pending, self._pending = self._pending, []
        for index, item in enumerate(pending):
            if tick - item.first_try > RETRY_SIGHTINGS_S:
                logger.error("camera %s: gave up recording student %s", self.camera_id, _student_id(item))
            elif not self._record(item):
                self._pending = pending[index:]  # the database is still down: keep this one and the rest
                return

    # --- configuration ------------------------------------------------------------------------------------------
    def _load(self) -> Camera | None:
        return Camera.objects.select_related("classroom").filter(pk=self.camera_id).first()

    def _configure(self, camera: Camera) -> None:
        self.camera = camera
        self._settings = _Settings.of(camera)
        self.scope = RosterScope(camera.classroom)
        self._keep_live_unknowns()  # the tracks of the pipeline being replaced end here
        self.pipeline = build_pipeline(sample_fps=camera.sample_fps, tolerance=camera.tolerance, scope=self.scope)
        self._run_key = uuid.uuid4().hex[:8]  # a new pipeline numbers its tracks from 1 again
        self._labels = []
        self.nodes = self._build_nodes(camera)
        self.analytics = {}
        self._lesson_checked_at = None  # the classroom may have changed
        self._reloaded_at = time.monotonic()

    def _build_nodes(self, camera: Camera) -> list[AnalyticsNode]:
        # The admin validates the settings; a row written otherwise with bad ones runs without analytics.
        try:
            return nodes_from_config(camera.analytics)
        except Exception:
            logger.exception("camera %s: analytics settings refused, analytics off", self.camera_id)
            return []

    def _reload_due(self) -> bool:
        return time.monotonic() - self._reloaded_at >= RELOAD_S

    def _reload(self) -> bool:
        """Apply the row's current configuration; True when the stream must be reopened (new URL)."""
        self._reloaded_at = time.monotonic()
        try:
            camera = self._load()
        except Exception:
            logger.exception("camera %s: could not re-read its configuration", self.camera_id)
            _reset_broken_connection()
            return False  # keep going with the configuration we have
        if camera is None:
            raise _Stop(DELETED)
        if not camera.enabled:
            raise _Stop(DISABLED)
        url_changed = camera.stream_url != self.camera.stream_url
        if _Settings.of(camera) != self._settings:
            self._configure(camera)  # new rate, tolerance, classroom or analytics: a fresh pipeline
        else:
            self.camera = camera  # dedup window, name...: used as they are
        return url_changed

    # --- status and the monitor -----------------------------------------------------------------------------------
    def _set_status(
        self,
        *,
        state: str | None = None,
        last_frame_at: dt.datetime | None = UNSET,
        measured_fps: float | None = UNSET,
        last_error: str | None = UNSET,
    ) -> None:
        """Write the camera's status columns and tell the monitor pages (the one way the status changes)."""
        self._safely(
            set_camera_status,
            self.camera_id,
            state=state,
            last_frame_at=last_frame_at,
            measured_fps=measured_fps,
            last_error=last_error,
        )
        if state is not None:
            self._state = state
        if last_error is not UNSET:
            self._last_error = last_error or ""
        if measured_fps is not UNSET:
            self._fps = None if measured_fps is None else round(measured_fps, 2)
        if last_frame_at is not UNSET:
            self._last_frame_at = last_frame_at
        if self.feed is not None and hasattr(self, "camera"):
            self.feed.post_status(self._status_message())

    def _status_message(self) -> dict[str, Any]:
        feed = self.feed
        stats = {
            "frames_read": self._frames_read,
            "frames_analysed": self._frames_analysed,
            "frames_skipped": self._frames_read - self._frames_analysed,
            "encodings": self._encodings,
            "errors": self._errors,
            "uptime_s": round(time.monotonic() - self._started_at, 1),
            "fps": self._fps,
            "messages_sent": feed.sent if feed else 0,
            "messages_dropped": feed.dropped if feed else 0,
        }
        running = self._state == Camera.State.RUNNING
        nodes = [{**FACE_NODE, "state": "running" if running else "waiting"}]
        for node in self.nodes:
            state = self._node_states.get(node.node_id, "waiting") if running else "waiting"
            nodes.append({"node_id": node.node_id, "node_type": node.node_type, "state": state})
        return status_message(
            self.camera,
            status=self._state,
            stats=stats,
            nodes=nodes,
            error_message=self._last_error,
            last_frame_time=self._last_frame_at,
        )

    def _post_error(self, text: str, severity: str) -> None:
        tick = time.monotonic()
        if self.feed is None or tick - self._errors_posted.get(text, -ERROR_REPEAT_S) < ERROR_REPEAT_S:
            return
        if len(self._errors_posted) > 100:
            self._errors_posted.clear()
        self._errors_posted[text] = tick
        self.feed.post_error(error_message(self.camera_id, text, severity))

    def _write_minute(self, stats: MinuteStats | None) -> None:
        if stats is not None:
            self._safely(record_minute, self.camera_id, stats)

    def _safely(self, write: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        """A status write that fails is logged and skipped: status is informative, the loop must go on."""
        try:
            write(*args, **kwargs)
        except Exception:
            logger.exception("camera %s: status not written", self.camera_id)
            _reset_broken_connection()


def _analytics_fields(result: NodeResult) -> dict[str, Any]:
    """A node's result as the monitor's ``analytics`` object."""
    fields = result.to_dict()
    del fields["changed"]
    return fields


def _student_id(pending: _Pending) -> int:
    return pending.identification.student_id


def _reset_broken_connection() -> None:
    # After a database error the connection may be unusable (server restarted, network cut); Django only replaces
    # it when told, and a processor runs far longer than the requests Django normally does this for.
    if connection.in_atomic_block:
        return  # the caller's transaction (a test, a management command) owns this connection
    try:
        close_old_connections()
    except Exception:
        logger.exception("could not reset the database connection")
