"""Secretaries' list of face groups (unknown faces believed to be one person) and what staff decided about them.

Imported by recognition/admin.py. Groups are decided on the review page (/review/, recognition/review_api.py);
here a group decided by mistake is reopened, through recognition.services.face_groups.reopen_group.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from recognition.models import FaceGroup
from recognition.services.face_groups import GroupRefused, reopen_group
from school.admin_mixins import DecidedAdmin


@admin.register(FaceGroup)
class FaceGroupAdmin(DecidedAdmin):
    list_display = ["__str__", "decision", "student", "size", "first_seen_at", "last_seen_at", "decided_by"]
    list_display += ["decided_at"]
    list_filter = ["decision", "decided_at"]
    list_select_related = ["student", "decided_by"]
    search_fields = ["student__full_name", "student__registration"]
    # Decided on the review page, through the service; who decided and when follow.
    fields = readonly_fields = ("decision", "student", "size", "first_seen_at", "last_seen_at")
    actions = ["reopen"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by the clustering of unknown faces

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # decisions are changes, never deletions (the retention purge removes emptied groups)

    @admin.action(description=_("Reopen for review"), permissions=["change"])
    def reopen(self, request: HttpRequest, queryset: QuerySet[FaceGroup]) -> None:
        reopened = []
        for group in queryset.exclude(decision=FaceGroup.Decision.OPEN).order_by("pk"):
            try:
                result = reopen_group(group, by=request.user)
            except GroupRefused:
                continue  # removed meanwhile: nothing to reopen
            if result.undone != FaceGroup.Decision.OPEN:
                reopened.append(result)
        count = len(reopened)
        self.message_user(
            request,
            ngettext("%(count)d face group reopened for review.", "%(count)d face groups reopened for review.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
        students = sorted({str(result.student) for result in reopened if result.student is not None})
        assigned = sum(result.student is not None for result in reopened)
        if assigned:
            self.message_user(
                request,
                ngettext(
                    "%(count)d of them had been assigned to a student (%(students)s): the face photos that "
                    "assignment enrolled stay with the student; remove them on the student's page if they are not "
                    "theirs.",
                    "%(count)d of them had been assigned to a student (%(students)s): the face photos those "
                    "assignments enrolled stay with the students; remove them on each student's page if they are "
                    "not theirs.",
                    assigned,
                )
                % {"count": assigned, "students": ", ".join(students)},
                messages.WARNING,
            )
        withdrawn = sum(result.offers_withdrawn for result in reopened)
        if withdrawn:
            self.message_user(
                request,
                ngettext(
                    "%(count)d offer to a teacher to mark the student taken back.",
                    "%(count)d offers to teachers to mark the student taken back.",
                    withdrawn,
                )
                % {"count": withdrawn},
                messages.INFO,
            )
