"""The access log: one row per view or download of personal data (who, what, which student, when, from where)."""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest

from school.models import AccessKind, AccessLog, Student

logger = logging.getLogger(__name__)


def log_access(
    request: HttpRequest | None,
    kind: AccessKind,
    *,
    student: Student | None = None,
    target: str = "",
    user: AbstractBaseUser | AnonymousUser | None = None,
) -> None:
    """Record one access, with one insert. A failure is logged, never raised: the page still serves.

    `request` gives the user and the address; a command passes `user` (or nothing) instead.
    """
    who = user if user is not None else getattr(request, "user", None)
    authenticated = who is not None and who.is_authenticated
    entry = AccessLog(
        kind=kind,
        user_id=who.pk if authenticated else None,  # type: ignore[union-attr]
        username=who.get_username() if authenticated else "",  # type: ignore[union-attr]
        student_id=student.pk if student is not None else None,
        registration=student.registration if student is not None else "",
        target=target[:200],
        ip=_client_address(request),
    )
    try:
        if connection.in_atomic_block:
            # A savepoint only where a caller's transaction would be broken by a failed insert.
            with transaction.atomic():
                entry.save(force_insert=True)
        else:
            entry.save(force_insert=True)
    except DatabaseError:
        logger.exception("access log: could not record %s of %s", kind, target)


def _client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR is the peer; X-Forwarded-For (its last hop, the one our proxy added) only counts when BEHIND_PROXY
    # says a proxy sets it.
    address = request.META.get("REMOTE_ADDR") or None
    if settings.SECURE_PROXY_SSL_HEADER is not None:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        address = forwarded or address
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None
