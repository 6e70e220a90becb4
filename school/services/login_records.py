"""django-axes' login records past LOGIN_RECORD_RETENTION_DAYS, purged with the other personal data (purge_expired).

Axes keeps, with username, address and browser: the failed logins of each pair (AccessAttempt, which is also what
a lockout is), every login and logout (AccessLog, on by default) and, when enabled, each failure on its own
(AccessFailureLog). None of it is worth keeping once no lockout can depend on it.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from school.services.retention import CategoryResult, RetentionRule, delete_in_batches, register

LOGIN_RECORDS = "login_records"


def purge_login_records(result: CategoryResult, cutoff: dt.datetime, dry_run: bool) -> None:
    """Delete axes' rows last touched before `cutoff`, never one a lockout may still rest on.

    Settings refuse a retention no longer than a lockout; this holds even so (settings changed at run time, a
    cool-off set on axes directly): an attempt's lockout runs until its last failure plus the cool-off, so nothing
    newer than now minus the cool-off goes. Without a cool-off a lockout lasts until reset: those attempts stay.
    """
    now = cutoff + dt.timedelta(days=result.days)  # the purge's own now, which tests may set
    cool_off = get_cool_off()
    attempts = AccessAttempt.objects.all()
    if cool_off is None:
        attempts = attempts.filter(failures_since_start__lt=settings.AXES_FAILURE_LIMIT)
    else:
        cutoff = min(cutoff, now - cool_off)
    kinds = [
        (attempts, gettext("failed logins of one user and address")),
        (AccessLog.objects.all(), gettext("login (and its logout)")),
        (AccessFailureLog.objects.all(), gettext("failed login")),
    ]
    for queryset, label in kinds:
        delete_in_batches(
            result, queryset.filter(attempt_time__lt=cutoff), describe=partial(_describe, label), dry_run=dry_run
        )


def _describe(label: str, record: models.Model) -> str:
    # No username nor address: what a person typed as a username may be their password.
    return f"{label} {record.pk}: {timezone.localtime(record.attempt_time):%Y-%m-%d %H:%M}"  # type: ignore[attr-defined]


def connect() -> None:
    register(
        RetentionRule(
            LOGIN_RECORDS,
            "LOGIN_RECORD_RETENTION_DAYS",
            lambda n: ngettext(
                "login records (failed logins, lockouts, logins and logouts), older than %(days)d day",
                "login records (failed logins, lockouts, logins and logouts), older than %(days)d days",
                n,
            ),
            purge_login_records,
        )
    )
