"""The analytics editor: the camera's JSON settings, with its line and zones drawn over its latest still.

The textarea stays the source of truth (what is saved, and where schedules and other settings are typed); the
drawing above it is a view of the JSON and a way to write its points (cameras/static/cameras/analytics-editor.js).
Nothing is validated here: Camera.clean() is the authority, and the admin shows its error as for any field.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms


class AnalyticsEditor(forms.Textarea):
    template_name = "cameras/widgets/analytics_editor.html"

    class Media:
        css = {"all": ["cameras/analytics-editor.css"]}
        js = ["cameras/analytics-editor.js"]

    def __init__(self, still_url: str | None = None, attrs: dict[str, Any] | None = None) -> None:
        """`still_url` is the camera's still (None for a camera not saved yet: the editor draws over an empty
        frame)."""
        super().__init__(attrs={"cols": 80, "rows": 14, "spellcheck": "false", **(attrs or {})})
        self.still_url = still_url

    def format_value(self, value: Any) -> str | None:
        """The JSON pretty-printed as the editor writes it; text that is no JSON (a refused input) as typed."""
        text = super().format_value(value)
        if not text:
            return text
        try:
            return pretty_json(json.loads(text))
        except ValueError:
            return text

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["still_url"] = self.still_url
        return context


def pretty_json(value: Any, depth: int = 0) -> str:
    """`value` as indented JSON, but with each point and each list of points on one line, as the editor's script
    writes it (prettyJson in analytics-editor.js): a zone's corners read as one line, not a column of numbers."""
    if isinstance(value, list) and all(_number(item) or _numbers(item) for item in value):
        return json.dumps(value, ensure_ascii=False)
    pad = "  " * (depth + 1)
    if isinstance(value, dict) and value:
        members = [
            f"{pad}{json.dumps(str(key), ensure_ascii=False)}: {pretty_json(item, depth + 1)}"
            for key, item in value.items()
        ]
        return "{\n" + ",\n".join(members) + "\n" + "  " * depth + "}"
    if isinstance(value, list):
        return "[\n" + ",\n".join(pad + pretty_json(item, depth + 1) for item in value) + "\n" + "  " * depth + "]"
    return json.dumps(value, ensure_ascii=False)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numbers(value: Any) -> bool:
    return isinstance(value, list) and all(_number(item) for item in value)
