"""What every alert handler is, and the one error type it raises."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Self

from monitoring.events import AlertMessage


class DeliveryError(Exception):
    """A delivery failed. ``permanent`` failures (a message the receiver refuses) are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Handler(ABC):
    """Delivers alert messages to one external system, keeping (and re-making) its own connection.

    ``send`` is called from the dispatcher's threads, at most a few at once, and may block up to the dispatcher's
    timeout (after that the attempt counts as failed and is retried); it returns an id the receiver gave the
    message, if any. Any exception other than DeliveryError counts as a retryable failure too.
    """

    name: str = ""
    #: True when ``send_many`` sends a batch faster than one ``send`` after another (pipelined acknowledgements).
    batches: bool = False

    @classmethod
    @abstractmethod
    def from_settings(cls) -> Self: ...

    @abstractmethod
    def send(self, message: AlertMessage) -> str | None: ...

    def send_many(self, messages: Sequence[AlertMessage], timeout_s: float) -> list[str | Exception | None]:
        """Send a batch within ``timeout_s`` (only called when ``batches``): one result per message, in order:
        the id the receiver gave it, None, or the exception it failed with."""
        raise NotImplementedError

    def check(self, timeout_s: float) -> None:
        """Raise if the receiver cannot be reached now (health checks); the default tries nothing."""
        return None

    def close(self) -> None:
        """Drop connections and threads (configuration reload, shutdown)."""
        return None
