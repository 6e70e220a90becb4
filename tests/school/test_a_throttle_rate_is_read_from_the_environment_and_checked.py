"""THROTTLE_* rates are `<requests>/<second|minute|hour|day>`; anything else stops the process, naming the variable."""

from __future__ import annotations

import pytest

from school.env import ImproperlyConfiguredEnv, env_rate


@pytest.mark.parametrize("value", ["600/minute", "5/second", "1000/hour", "20000/day"])
def test_a_rate_is_taken_as_written(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("THROTTLE_SIGHTINGS", value)

    assert env_rate("THROTTLE_SIGHTINGS", "1/minute") == value


def test_unset_or_empty_takes_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THROTTLE_SIGHTINGS", "")

    assert env_rate("THROTTLE_SIGHTINGS", "600/minute") == "600/minute"


@pytest.mark.parametrize("value", ["600", "600/min", "fast", "0/minute", "-5/minute", "/minute", "10/week"])
def test_a_malformed_rate_fails_loudly_naming_its_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("THROTTLE_SIGHTINGS", value)

    with pytest.raises(ImproperlyConfiguredEnv, match="THROTTLE_SIGHTINGS"):
        env_rate("THROTTLE_SIGHTINGS", "600/minute")
