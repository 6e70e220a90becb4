"""Redraw the groups of unknown faces from every face, keeping the groups staff decided about."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from recognition.services.review_groups import recluster_all


class Command(BaseCommand):
    help = (
        "Cluster every unknown face again. Decided groups keep their id, decision and faces, and take the faces "
        "near them; the other faces are grouped afresh."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=0, help="seed of the clustering's random order")

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        result = recluster_all(seed=seed)
        self.stdout.write(
            _(
                "%(faces)d unknown faces in %(groups)d groups (%(decided)d decided groups kept; %(joined)d faces "
                "joined one of them)."
            )
            % {
                "faces": result.faces,
                "groups": result.groups,
                "decided": result.decided,
                "joined": result.joined_decided,
            }
        )
