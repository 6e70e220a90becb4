"""Starting Django (settings, apps, models, every URL's views) loads none of the face models: dlib, onnxruntime and
the networks load on first use, so `manage.py` commands, web workers and beat start without paying ~1.9 s for them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("dlib", "face_recognition", "face_recognition_models", "onnxruntime", "retinaface")
PROBE = f"""
import json, sys
import django
django.setup()
import school.urls, recognition.models, recognition.services.engine, cameras.services.recognition
print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)))
"""


def test_django_setup_and_the_url_configuration_import_no_face_model() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "school.settings", "PYTHONPATH": str(ROOT)}

    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )

    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
