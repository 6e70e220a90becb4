from __future__ import annotations

from typing import Any

import pytest

from monitoring.monitors.embedded import embedded_monitors_wanted


@pytest.mark.parametrize(
    ("embedded", "switched_on", "under_pytest", "wanted"),
    [
        (True, True, False, True),
        (False, True, False, False),  # Redis: run_monitors runs them
        (True, False, False, False),  # CHAMADA_EMBEDDED_MONITORS=0
        (True, True, True, False),  # tests start their own
    ],
)
def test_when_the_web_process_runs_the_monitors(
    settings: Any, monkeypatch: pytest.MonkeyPatch, embedded: bool, switched_on: bool, under_pytest: bool, wanted: bool
) -> None:
    settings.EMBEDDED = embedded
    settings.EMBEDDED_MONITORS = switched_on
    if under_pytest:
        monkeypatch.setenv("PYTEST_VERSION", "8")
    else:
        monkeypatch.delenv("PYTEST_VERSION", raising=False)
    assert embedded_monitors_wanted() is wanted
