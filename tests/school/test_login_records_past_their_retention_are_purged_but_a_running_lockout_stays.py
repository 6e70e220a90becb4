"""`manage.py purge_expired` (and its beat task) deletes django-axes' login records older than
LOGIN_RECORD_RETENTION_DAYS: failed logins, lockouts, logins and logouts. A lockout still running stays, whatever the
settings, and the settings refuse a retention no longer than a lockout."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.management import call_command
from django.db import models
from django.test import Client

from school.celery import app
from tests.factories import PASSWORD, TeacherFactory
from tests.school.retention_support import ago

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
CLASSROOM = "10.0.0.7"
LINE = "login records (failed logins, lockouts, logins and logouts), older than 30 days"


def record(model: type[models.Model], days_old: float, username: str, **fields: Any) -> Any:
    """A row of axes' `model` for `username`, last touched `days_old` days ago (auto_now_add ignores a given time)."""
    row = model._default_manager.create(username=username, ip_address=CLASSROOM, user_agent="Firefox", **fields)
    model._default_manager.filter(pk=row.pk).update(attempt_time=ago(days_old))
    return row


def attempt(days_old: float, username: str, failures: int = 1) -> AccessAttempt:
    return record(AccessAttempt, days_old, username, failures_since_start=failures)


def log_in(client: Client, username: str, password: str) -> int:
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=CLASSROOM
    ).status_code


def purge(*args: str, verbosity: int = 1) -> list[str]:
    out = StringIO()
    call_command("purge_expired", *args, verbosity=verbosity, stdout=out)
    return out.getvalue().splitlines()


def exists(row: models.Model) -> bool:
    return type(row)._default_manager.filter(pk=row.pk).exists()


def test_records_older_than_the_retention_go_and_the_command_counts_them(english: None) -> None:
    old = [attempt(31, "ana"), record(AccessLog, 31, "bia"), record(AccessFailureLog, 31, "caio")]
    recent = [attempt(29, "davi"), record(AccessLog, 29, "eva"), record(AccessFailureLog, 29, "fabio")]

    lines = purge()

    assert f"Removed {LINE}: 3 (files: 0)." in lines
    assert lines[-1] == "Removed in all: 3 (files: 0)."
    assert not any(exists(row) for row in old)
    assert all(exists(row) for row in recent)


def test_the_logins_axes_records_itself_go_once_old(client: Client, english: None) -> None:
    TeacherFactory(username="professora")
    assert log_in(client, "professora", PASSWORD) == 302
    assert log_in(client, "visitante", "wrong password") == 200
    assert AccessLog.objects.count() == AccessAttempt.objects.count() == 1
    AccessLog.objects.update(attempt_time=ago(31))
    AccessAttempt.objects.update(attempt_time=ago(31))

    assert f"Removed {LINE}: 2 (files: 0)." in purge()
    assert not AccessLog.objects.exists() and not AccessAttempt.objects.exists()


def test_a_running_lockout_stays_and_still_locks_the_user_out(client: Client, settings: Any, english: None) -> None:
    # A lockout longer than the retention (which the settings refuse): the purge still waits for it to end.
    settings.LOGIN_RECORD_RETENTION_DAYS = 1
    settings.AXES_COOLOFF_TIME = dt.timedelta(days=3)
    TeacherFactory(username="professora")
    TeacherFactory(username="diretora")
    for username in ("professora", "diretora"):
        assert [log_in(client, username, "wrong password") for _ in range(5)][-1] == 429
    AccessAttempt.objects.filter(username="professora").update(attempt_time=ago(2))  # locked out until tomorrow
    AccessAttempt.objects.filter(username="diretora").update(attempt_time=ago(4))  # its lockout ended yesterday

    lines = purge()

    assert (
        "Removed login records (failed logins, lockouts, logins and logouts), older than 1 day: 1 (files: 0)." in lines
    )
    assert AccessAttempt.objects.get(username="professora").failures_since_start == 5
    assert not AccessAttempt.objects.filter(username="diretora").exists()
    assert log_in(client, "professora", PASSWORD) == 429
    assert log_in(client, "diretora", PASSWORD) == 302


def test_the_lockout_of_the_default_settings_outlives_no_purge(client: Client, english: None) -> None:
    TeacherFactory(username="professora")
    assert [log_in(client, "professora", "wrong password") for _ in range(5)][-1] == 429

    assert f"Removed {LINE}: 0 (files: 0)." in purge()
    assert log_in(client, "professora", PASSWORD) == 429


def test_a_dry_run_lists_the_expired_records_without_who_and_deletes_nothing(english: None) -> None:
    old_attempt, old_log = attempt(31, "ana@escola", failures=5), record(AccessLog, 45, "bia@escola")
    recent = attempt(29, "caio@escola")

    lines = purge("--dry-run", verbosity=2)

    assert f"Would remove {LINE}: 2 (files: 0)." in lines
    assert any(line.startswith(f"  failed logins of one user and address {old_attempt.pk}: ") for line in lines)
    assert any(line.startswith(f"  login (and its logout) {old_log.pk}: ") for line in lines)
    assert not any(f" {recent.pk}: " in line and line.startswith("  failed logins") for line in lines)
    assert not any("@escola" in line or CLASSROOM in line for line in lines)
    assert AccessAttempt.objects.count() == 2 and AccessLog.objects.count() == 1


def test_purging_twice_removes_nothing_the_second_time(english: None) -> None:
    attempt(31, "ana")
    record(AccessLog, 31, "bia")

    assert f"Removed {LINE}: 2 (files: 0)." in purge()
    assert f"Removed {LINE}: 0 (files: 0)." in purge()


def test_the_hourly_beat_task_purges_them_too(settings: Any) -> None:
    old, recent = attempt(31, "ana"), attempt(29, "bia")
    app.loader.import_default_modules()
    task = app.tasks[settings.CELERY_BEAT_SCHEDULE["purge-expired-data"]["task"]]

    assert task.apply().result == 1
    assert not exists(old) and exists(recent)


def import_settings(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run(
        [sys.executable, "-c", "import school.settings"],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_settings_refuse_a_retention_no_longer_than_a_lockout(tmp_path: Path) -> None:
    refused = import_settings({"LOGIN_LOCKOUT_MINUTES": "1440", "LOGIN_RECORD_RETENTION_DAYS": "1"}, tmp_path)
    accepted = import_settings({"LOGIN_LOCKOUT_MINUTES": "1439", "LOGIN_RECORD_RETENTION_DAYS": "1"}, tmp_path)

    assert refused.returncode != 0
    assert (
        "ImproperlyConfiguredEnv: LOGIN_RECORD_RETENTION_DAYS=1 is not longer than a lockout "
        "(LOGIN_LOCKOUT_MINUTES=1440)" in refused.stderr
    )
    assert accepted.returncode == 0, accepted.stderr
