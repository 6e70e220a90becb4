"""Typed readers for environment variables.

Every setting comes from the environment with a safe default. A value that is present but malformed stops the
process at start-up with a message naming the variable, rather than silently falling back to a default.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit


class ImproperlyConfiguredEnv(Exception):
    """An environment variable holds a value its setting cannot use."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfiguredEnv(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfiguredEnv(f"{name}={value} is below the minimum {minimum}")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None, maximum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name}={raw!r} is not a number") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ImproperlyConfiguredEnv(f"{name}={value} is outside [{minimum}, {maximum}]")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name) or default
    if value not in choices:
        raise ImproperlyConfiguredEnv(f"{name}={value!r} must be one of {', '.join(choices)}")
    return value


RATE_PERIODS = ("second", "minute", "hour", "day")


def env_rate(name: str, default: str) -> str:
    """A request rate as REST framework reads it, ``<requests>/<second|minute|hour|day>`` (``120/minute``)."""
    value = (os.environ.get(name) or default).strip()
    count, _, period = value.partition("/")
    if not count.isdigit() or int(count) < 1 or period not in RATE_PERIODS:
        periods = ", ".join(RATE_PERIODS)
        raise ImproperlyConfiguredEnv(f"{name}={value!r} is not a rate such as 120/minute (per {periods})")
    return value


EMAIL_SCHEMES = {
    # scheme: (default port, SSL from the first byte, STARTTLS after connecting)
    "smtp": (25, False, False),
    "smtps": (465, True, False),
    "submission": (587, False, True),
}


def parse_email_url(name: str, raw: str) -> dict[str, Any]:
    """Django's e-mail settings from a URL: empty is the console backend (messages printed, nothing sent);
    ``smtp://user:pass@host:port`` plain SMTP (port 25), ``smtps://`` SMTP over SSL (465), ``submission://`` SMTP
    with STARTTLS (587). User and password are percent-decoded (``%40`` for ``@``)."""
    if not raw.strip():
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    url = urlsplit(raw.strip())
    if url.scheme not in EMAIL_SCHEMES:
        raise ImproperlyConfiguredEnv(f"{name}: the scheme must be one of {', '.join(EMAIL_SCHEMES)} ({_hidden(url)})")
    default_port, use_ssl, use_tls = EMAIL_SCHEMES[url.scheme]
    try:
        port = url.port or default_port
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name}: the port is not a number from 1 to 65535 ({_hidden(url)})") from None
    if not url.hostname:
        raise ImproperlyConfiguredEnv(f"{name}: the URL names no host ({_hidden(url)})")
    if url.path not in ("", "/") or url.query or url.fragment:
        raise ImproperlyConfiguredEnv(f"{name}: the URL takes no path or query ({_hidden(url)})")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": url.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(url.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(url.password or ""),
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_USE_TLS": use_tls,
    }


def env_email_url(name: str) -> dict[str, Any]:
    return parse_email_url(name, os.environ.get(name, ""))


def _hidden(url: SplitResult) -> str:
    """The URL for an error message, without its password."""
    netloc = url.netloc.rpartition("@")[2]
    user = f"{url.username}:***@" if url.password else (f"{url.username}@" if url.username else "")
    return url._replace(netloc=f"{user}{netloc}").geturl()
