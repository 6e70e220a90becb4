from __future__ import annotations

from pathlib import Path

from django.core.management import call_command


def test_the_api_schema_generates_without_warnings_and_validates(tmp_path: Path) -> None:
    schema = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema))  # SystemExit on a warning

    text = schema.read_text()
    assert "/api/attendance:" in text and "/api/recognize:" in text
    assert "ApiKey" in text  # the device key scheme is documented
