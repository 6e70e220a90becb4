"""Schemathesis, driven from a test: every operation of the API's OpenAPI schema fuzzed in-process through the ASGI
application, as `st run` would against a server, and the outcome counted.

The engine runs its phases (examples, coverage: boundary and invalid values of every parameter, fuzzing: random
valid and invalid requests), deterministically (a fixed seed, Hypothesis derandomised), with the checks below.
Random path ids almost never name a row, so the fuzzing phase also draws requests carrying real ones
(`RealValues`): half of an operation's cases then reach past the 404.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.engine import events, from_schema
from schemathesis.engine.statistic import Statistic

#: The built-in checks run on every response, plus the project's own below.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
)
#: Enough cases per operation to cover each parameter's kinds of values, within a couple of minutes for the API.
MAX_EXAMPLES = 15
SEED = 14


@schemathesis.check
def refusal_has_a_reason_code(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx is the API's error shape, with a non-empty `code` (school/api.py)."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{response.status_code} whose body is not JSON: {response.content[:200]!r}") from None
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str) or not code:
        raise AssertionError(f"{response.status_code} without a reason code: {body!r}"[:500])
    return True


@dataclass
class RealValues:
    """Values that name rows of the test's school: path parameters per operation path, query and body fields by
    name (wherever an operation has a field of that name)."""

    path: dict[str, dict[str, Any]] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)


@dataclass
class FuzzResult:
    cases: int = 0
    server_errors: int = 0
    #: Responses that failed a check (a case failing two checks counts once), and what each unique failure was.
    failing_cases: int = 0
    failures: list[str] = field(default_factory=list)
    #: What stopped an operation from being tested at all (a schema the engine cannot use, a crash).
    errors: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    #: The operations that answered at least once with a success (2xx): the fuzzer got past every refusal there.
    succeeded: set[str] = field(default_factory=set)
    operations: set[str] = field(default_factory=set)

    @property
    def violations(self) -> int:
        """Responses off the schema, or refusals without a reason code (5xx are counted apart)."""
        return self.failing_cases


def fuzz(app: Any, headers: dict[str, str], real: RealValues) -> FuzzResult:
    """Run Schemathesis on every operation of the schema `app` serves at /api/schema/, sending `headers`."""
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": headers,
            # No example database: a run replays nothing from an earlier one, so every run draws the same cases.
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
            # No links between operations are declared: the stateful phase would have nothing to follow.
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                "enabled": False,
                **{name: {"enabled": True} for name in (*CHECKS, "refusal_has_a_reason_code")},
            },
        }
    )
    schema = schemathesis.openapi.from_asgi("/api/schema/", app, config=config)
    _draw_real_values(schema, real)
    statistic = Statistic()
    result = FuzzResult()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            statistic.on_scenario_finished(event.recorder)
            result.operations.add(event.recorder.label)
            for interaction in event.recorder.interactions.values():
                if interaction.response is not None:
                    status = interaction.response.status_code
                    result.statuses[status] = result.statuses.get(status, 0) + 1
                    result.server_errors += status >= 500
                    if 200 <= status < 300:
                        result.succeeded.add(event.recorder.label)
        elif isinstance(event, events.NonFatalError):
            result.errors.append(f"{event.label}: {event.info.title}: {event.info.message}"[:800])
        elif isinstance(event, events.FatalError):
            result.errors.append(f"fatal: {event.exception!r}"[:800])
    result.cases = statistic.total_cases
    result.failing_cases = statistic.cases_with_failures
    for label, groups in statistic.failures.items():
        for group in groups.values():
            answered = group.response.status_code if group.response is not None else "no response"
            for failure in group.failures:
                text = f"{label} -> {answered}: {failure.title}: {failure.message}"[:800]
                result.failures.append(f"{text}\n    reproduce: {group.code_sample}"[:1600])
    return result


def _draw_real_values(schema: Any, real: RealValues) -> None:
    """Hooks of this schema only: each generated part is kept as drawn, or given the real values it can take."""

    def either(drawn: Any, values: dict[str, Any]) -> st.SearchStrategy[Any]:
        if not isinstance(drawn, dict):
            return st.just(drawn)
        wanted = {name: value for name, value in values.items() if name in drawn}
        return st.sampled_from([drawn, {**drawn, **wanted}]) if wanted else st.just(drawn)

    @schema.hook
    def flatmap_path_parameters(context: Any, path_parameters: Any) -> st.SearchStrategy[Any]:
        return either(path_parameters, real.path.get(context.operation.path, {}))

    @schema.hook
    def flatmap_query(context: Any, query: Any) -> st.SearchStrategy[Any]:
        return either(query, real.query)

    @schema.hook
    def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
        return either(body, real.body)
