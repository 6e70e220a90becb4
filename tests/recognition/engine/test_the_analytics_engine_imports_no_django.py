"""The analytics are engine code: importing them loads no Django, so they can be benchmarked and used alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import recognition.engine.analytics as analytics


def test_importing_the_analytics_loads_no_django() -> None:
    code = (
        "import sys, recognition.engine.analytics\n"
        "loaded = sorted(name for name in sys.modules if name == 'django' or name.startswith('django.'))\n"
        "assert not loaded, loaded\n"
    )
    root = Path(__file__).resolve().parents[3]

    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=120)


def test_the_analytics_module_names_no_django_import() -> None:
    tree = ast.parse(Path(analytics.__file__).read_text())
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names] + [
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    ]

    assert not [name for name in imported if name.split(".")[0] == "django"]
