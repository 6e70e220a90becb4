from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from school.env import (
    ImproperlyConfiguredEnv,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
)

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "escola.example.com",
    "HTTPS": "1",
    "DATABASE_URL": "",
}


def run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run Python in a clean environment: only what is given, nothing inherited from the test run's settings."""
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def settings_seen_with(env: dict[str, str], tmp_path: Path) -> dict[str, object]:
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'layer': s.CHANNEL_LAYERS['default']['BACKEND'], 'cache': s.CACHES['default']['BACKEND'], "
        "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL}))"
    )
    result = run(["-c", script], {"DJANGO_SETTINGS_MODULE": "school.settings", "DATABASE_URL": "", **env}, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("name", "value", "read"),
    [
        ("DEBUG", "maybe", lambda: env_bool("DEBUG", False)),
        ("DB_CONN_MAX_AGE", "abc", lambda: env_int("DB_CONN_MAX_AGE", 0, minimum=0)),
        ("DB_CONN_MAX_AGE", "-5", lambda: env_int("DB_CONN_MAX_AGE", 0, minimum=0)),
        ("MATCH_TOLERANCE", "2", lambda: env_float("MATCH_TOLERANCE", 0.5, minimum=0.0, maximum=1.0)),
        ("MATCH_TOLERANCE", "half", lambda: env_float("MATCH_TOLERANCE", 0.5, minimum=0.0, maximum=1.0)),
        ("FACE_DETECTION_MODEL", "yolo", lambda: env_choice("FACE_DETECTION_MODEL", "hog", ("hog", "cnn"))),
    ],
)
def test_a_malformed_value_fails_loudly_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, read: Callable[[], object]
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfiguredEnv, match=name):
        read()


def test_good_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG", " Yes ")
    monkeypatch.setenv("HTTPS", "off")
    monkeypatch.setenv("DB_CONN_MAX_AGE", "60")
    monkeypatch.setenv("MATCH_TOLERANCE", "0.45")
    monkeypatch.setenv("ALLOWED_HOSTS", "escola.example.com, , 10.0.0.5")
    monkeypatch.setenv("FACE_DETECTION_MODEL", "cnn")

    assert env_bool("DEBUG", False) is True
    assert env_bool("HTTPS", True) is False
    assert env_int("DB_CONN_MAX_AGE", 0, minimum=0) == 60
    assert env_float("MATCH_TOLERANCE", 0.5, minimum=0.0, maximum=1.0) == 0.45
    assert env_list("ALLOWED_HOSTS", []) == ["escola.example.com", "10.0.0.5"]
    assert env_choice("FACE_DETECTION_MODEL", "hog", ("hog", "cnn")) == "cnn"


def test_unset_or_empty_values_take_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEBUG", raising=False)
    monkeypatch.setenv("DB_CONN_MAX_AGE", "")
    monkeypatch.setenv("ALLOWED_HOSTS", " ")

    assert env_bool("DEBUG", True) is True
    assert env_int("DB_CONN_MAX_AGE", 7) == 7
    assert env_list("ALLOWED_HOSTS", ["localhost"]) == ["localhost"]


def test_the_process_refuses_to_start_with_a_malformed_setting(tmp_path: Path) -> None:
    result = run(["manage.py", "check"], {**PRODUCTION, "MATCH_TOLERANCE": "2"}, tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfiguredEnv: MATCH_TOLERANCE=2.0 is outside [0.0, 1.0]" in result.stderr


def test_production_settings_pass_the_deployment_checks(tmp_path: Path) -> None:
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_development_secret_key_fails_the_deployment_checks(tmp_path: Path) -> None:
    env = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_redis_selects_the_redis_channel_layer_cache_and_celery_workers(tmp_path: Path) -> None:
    seen = settings_seen_with({"REDIS_URL": "redis://127.0.0.1:6379/0"}, tmp_path)

    assert seen == {
        "layer": "channels_redis.core.RedisChannelLayer",
        "cache": "django.core.cache.backends.redis.RedisCache",
        "eager": False,
        "broker": "redis://127.0.0.1:6379/0",
    }


def test_without_redis_everything_runs_in_one_process(tmp_path: Path) -> None:
    seen = settings_seen_with({}, tmp_path)

    assert str(seen.pop("broker")).startswith("memory://")  # kombu's in-process transport
    assert seen == {
        "layer": "channels.layers.InMemoryChannelLayer",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "eager": True,
    }
