"""Alerts as Frigate events: an alert on a camera Frigate knows shows on that camera's timeline, boxes drawn.

Frigate's HTTP API (the unauthenticated port, 5000): ``POST /api/events/<camera>/<label>/create`` makes a manual
event and answers ``{"success": true, "message": ..., "event_id": ...}``; the event id is kept on the delivery.
An alert that a later event resolves (``camera_offline``) opens an event without an end, and its resolution ends
it with ``PUT /api/events/<event_id>/end``; any other alert makes an event of EVENT_S seconds.
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request
from typing import Any, Self
from urllib.parse import quote

from django.conf import settings

from monitoring.alert_types import ALERT_TYPES
from monitoring.events import AlertMessage
from monitoring.handlers.base import DeliveryError, Handler

logger = logging.getLogger(__name__)

#: Frigate's label for an alert type; a type not named here is its own label (Frigate takes any label).
FRIGATE_LABELS: dict[str, str] = {"unknown_face": "face", "student_recognised": "face", "zone_intrusion": "person"}
#: How long the event of an alert that nothing resolves lasts: a clip around the moment it was raised.
EVENT_S = 10
#: Box colours by severity. Frigate hands them to OpenCV on a BGR frame, so they are (blue, green, red).
BOX_COLOURS: dict[str, list[int]] = {"critical": [0, 0, 255], "warning": [0, 165, 255], "info": [0, 200, 0]}
_SUB_LABEL_MAX = 100  # Frigate refuses longer sub-labels
_REPLY_MAX = 64 * 1024
#: Answers that may go better later: a timeout and "too many requests". Any other 4xx is final.
_RETRYABLE_4XX = {408, 429}


class FrigateHandler(Handler):
    name = "frigate"

    def __init__(self, url: str, timeout_s: float) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        # Frigate sits on the school's network: a proxy from the environment (meant for the internet) must not
        # carry these requests.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    @classmethod
    def from_settings(cls) -> Self:
        return cls(settings.FRIGATE_URL, float(settings.ALERT_HANDLER_TIMEOUT_S))

    def send(self, message: AlertMessage) -> str | None:
        camera = message.camera
        if camera is None or not camera.frigate_camera:
            # Frigate only shows events on its own cameras: there is nothing to send, and the delivery is done.
            return None
        if message.event == "resolved":
            return self._end_event(message)
        return self._create_event(camera.frigate_camera, message)

    def check(self, timeout_s: float) -> None:
        self._request("GET", "/api/version", None, timeout_s)

    # --- the two calls ---------------------------------------------------------------------------------------
    def _create_event(self, frigate_camera: str, message: AlertMessage) -> str:
        label = FRIGATE_LABELS.get(message.type, message.type)
        body: dict[str, Any] = {
            "sub_label": _sub_label(message),
            "score": max((detection.confidence for detection in message.detections), default=1.0),
            # None: the event lasts until ended, which the alert's resolution does.
            "duration": None if is_resolvable(message.type) else EVENT_S,
            "include_recording": True,
        }
        colour = BOX_COLOURS.get(message.severity, BOX_COLOURS["warning"])
        boxes = [
            {
                "box": [detection.x, detection.y, detection.width, detection.height],  # relative, as Frigate wants
                "color": colour,
                "score": round(detection.confidence * 100),  # Frigate writes it as a percentage
            }
            for detection in message.detections
        ]
        if boxes:
            body["draw"] = {"boxes": boxes}
        path = f"/api/events/{quote(frigate_camera, safe='')}/{quote(label, safe='')}/create"
        reply = _json(self._request("POST", path, body, self.timeout_s))
        event_id = reply.get("event_id") if isinstance(reply, dict) else None
        if not event_id:
            raise DeliveryError(f"Frigate answered without an event id: {_message_of(reply)}")
        return str(event_id)

    def _end_event(self, message: AlertMessage) -> str | None:
        if not is_resolvable(message.type):
            # Its event ended by itself after EVENT_S; ending it now would stretch it to the resolution.
            return None
        event_id = message.raised_external_id  # the dispatcher sends a resolution only after its raise
        if not event_id:
            return None  # no event to end: Frigate was off, or the camera had no Frigate name, when it was raised
        end_time = message.resolved_at or message.last_seen
        self._request(
            "PUT", f"/api/events/{quote(event_id, safe='')}/end", {"end_time": end_time.timestamp()}, self.timeout_s
        )
        return event_id

    # --- HTTP ------------------------------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: dict[str, Any] | None, timeout_s: float) -> bytes:
        request = urllib.request.Request(
            self.url + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with self._opener.open(request, timeout=timeout_s) as response:
                return bytes(response.read(_REPLY_MAX))
        except urllib.error.HTTPError as error:
            try:
                reply = _json(error.read(_REPLY_MAX))
            except (OSError, http.client.HTTPException):
                reply = None
            permanent = 400 <= error.code < 500 and error.code not in _RETRYABLE_4XX
            text = _message_of(reply) or error.reason
            raise DeliveryError(
                f"Frigate answered {method} {path} with {error.code}: {text}", permanent=permanent
            ) from error
        except urllib.error.URLError as error:  # refused, unknown host, a timeout while connecting
            raise DeliveryError(f"Frigate unreachable at {self.url}: {error.reason}") from error
        except (OSError, http.client.HTTPException) as error:  # a timeout or a reset while waiting for the answer
            raise DeliveryError(f"Frigate did not answer {method} {path}: {type(error).__name__}: {error}") from error


def is_resolvable(type_name: str) -> bool:
    """Whether some event type resolves alerts of this type (camera_online resolves camera_offline)."""
    return any(kind.resolves == type_name for kind in ALERT_TYPES.values())


def _sub_label(message: AlertMessage) -> str:
    # A recognised student's name says more than the type's title.
    student = message.payload.get("student")
    text = student if isinstance(student, str) and student else message.title or message.type
    return text[:_SUB_LABEL_MAX]


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        return raw.decode("utf-8", "replace")[:200] or None


def _message_of(reply: Any) -> str:
    if isinstance(reply, dict):
        for key in ("message", "detail"):
            if reply.get(key):
                return str(reply[key])
        return json.dumps(reply)[:200]
    return "" if reply is None else str(reply)
