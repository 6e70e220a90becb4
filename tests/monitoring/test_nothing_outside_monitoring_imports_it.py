"""Events flow one way: cameras, attendance, recognition and the roster announce (their own signals); monitoring
listens. None of them imports monitoring, and attendance does not import cameras (cameras imports attendance)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except those under `if TYPE_CHECKING:` (type hints only; nothing is imported at run time)."""
    nodes: list[ast.AST] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
    return nodes


def imported_modules(app: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        names = set()
        for node in runtime_nodes(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize("app", ["school", "recognition", "cameras", "attendance"])
def test_the_app_never_imports_monitoring(app: str) -> None:
    offenders = {
        path: sorted(name for name in names if name == "monitoring" or name.startswith("monitoring."))
        for path, names in imported_modules(app).items()
    }

    assert {path: names for path, names in offenders.items() if names} == {}


def test_attendance_does_not_import_cameras() -> None:
    offenders = {
        path: sorted(name for name in names if name == "cameras" or name.startswith("cameras."))
        for path, names in imported_modules("attendance").items()
    }

    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_engine_of_alerts_imports_no_django() -> None:
    names = imported_modules("monitoring")["monitoring/events.py"]

    assert not any(name == "django" or name.startswith("django.") for name in names)
