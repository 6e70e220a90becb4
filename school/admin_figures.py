"""Figures in the admin as people read them: a sharpness of 655.978981282562 reads as 656, a distance as 0,43 in
pt-BR. Admin lists and pages show float fields raw otherwise (every digit Python has)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.utils.formats import number_format


def figure(value: float | None, places: int = 0) -> str | None:
    """`value` rounded to `places` decimals in the active language's format; None (the admin's "-") when empty."""
    if value is None:
        return None
    return number_format(round(value, places), decimal_pos=places)


def rounded_field(model: type[Model], name: str, places: int = 0) -> Callable[[Any, Any], str | None]:
    """An admin display function showing the float field `name` of `model` rounded to `places` decimals, under the
    field's own label and sortable by it: assign it in a ModelAdmin or inline and list it instead of the field."""
    label = getattr(model._meta.get_field(name), "verbose_name", name)

    @admin.display(description=label, ordering=name)
    def display(model_admin: Any, obj: Any) -> str | None:
        return figure(getattr(obj, name), places)

    display.__name__ = f"{name}_rounded"
    return display
