"""Secretaries' pages for look-alike students, fresh enrollment photo proposals and stale enrollments.

Imported by recognition/admin.py. Nothing here computes: the pairs are recomputed on enrollment change
(recognition.services.lookalikes), proposals are decided through recognition.services.freshness.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from recognition.models import EnrollmentProposal, FacePhoto, LookalikePair
from recognition.services.enrollment_quality import enrollment_quality
from recognition.services.freshness import ProposalNotAccepted, accept_proposal, refuse_proposal
from recognition.services.lookalikes import advice
from school.admin_mixins import DecidedAdmin
from school.models import Student


@admin.register(LookalikePair)
class LookalikePairAdmin(admin.ModelAdmin):
    list_display = ["student_a", "student_b", "rounded_distance", "same_classroom", "advice_text", "computed_at"]
    list_filter = ["same_classroom"]
    list_select_related = ["student_a", "student_b"]
    search_fields = ["student_a__full_name", "student_b__full_name", "student_a__registration"]
    ordering = ["-same_classroom", "distance"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # computed on enrollment change

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("distance"), ordering="distance")
    def rounded_distance(self, pair: LookalikePair) -> str:
        return f"{pair.distance:.2f}"

    @admin.display(description=_("advice"))
    def advice_text(self, pair: LookalikePair) -> str:
        return advice(pair)


def proposal_crop_preview(proposal: EnrollmentProposal, width: int = 96) -> SafeString:
    if not proposal.pk or not proposal.crop:
        return mark_safe("")  # nothing to show (refused: the crop is gone)
    url = reverse("recognition:proposal-crop", args=[proposal.pk])
    return format_html('<a href="{}"><img src="{}" alt="" width="{}"></a>', url, url, width)


@admin.register(EnrollmentProposal)
class EnrollmentProposalAdmin(DecidedAdmin):
    list_display = ["preview", "student", "rounded_distance", "rounded_margin", "seen_at", "where", "status"]
    list_filter = ["status"]
    list_select_related = ["student"]
    search_fields = ["student__full_name", "student__registration"]
    fields = readonly_fields = ("preview", "student", "distance", "margin", "seen_at", "where", "status")
    actions = ["accept", "refuse"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # proposed by cameras and kiosks

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # decided, never deleted

    @admin.display(description=_("face crop"))
    def preview(self, proposal: EnrollmentProposal) -> SafeString:
        return proposal_crop_preview(proposal)

    @admin.display(description=_("distance"), ordering="distance")
    def rounded_distance(self, proposal: EnrollmentProposal) -> str:
        return f"{proposal.distance:.2f}"

    @admin.display(description=_("margin"), ordering="margin")
    def rounded_margin(self, proposal: EnrollmentProposal) -> str:
        return f"{proposal.margin:.2f}"

    @admin.action(description=_("Accept as enrollment photos"), permissions=["change"])
    def accept(self, request: HttpRequest, queryset: QuerySet[EnrollmentProposal]) -> None:
        accepted = 0
        for proposal in queryset.filter(status=EnrollmentProposal.Status.PENDING).select_related("student"):
            try:
                accept_proposal(proposal, request.user)
            except ProposalNotAccepted as refusal:
                self.message_user(
                    request,
                    _("%(student)s: not enrolled (%(reason)s); the proposal stays to decide.")
                    % {"student": proposal.student, "reason": refusal.detail},
                    messages.WARNING,
                )
            else:
                accepted += 1
        if accepted:
            self.message_user(request, _("%(count)d photos enrolled.") % {"count": accepted}, messages.SUCCESS)

    @admin.action(description=_("Refuse"), permissions=["change"])
    def refuse(self, request: HttpRequest, queryset: QuerySet[EnrollmentProposal]) -> None:
        refused = sum(refuse_proposal(proposal, request.user) for proposal in queryset)
        self.message_user(request, _("%(count)d proposals refused.") % {"count": refused}, messages.SUCCESS)


class StaleEnrollmentFilter(admin.SimpleListFilter):
    """On the student list: whose enrollment photos are older than ENROLLMENT_MAX_AGE_DAYS."""

    title = _("enrollment photos")
    parameter_name = "enrollment_age"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("stale", _("Older than %(days)d days") % {"days": settings.ENROLLMENT_MAX_AGE_DAYS}),
            ("none", _("No usable photo")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() not in ("stale", "none"):
            return queryset
        newest = queryset.annotate(
            newest_ready_photo_at=Max("face_photos__created_at", filter=Q(face_photos__status=FacePhoto.Status.READY))
        )
        if self.value() == "none":
            return newest.filter(newest_ready_photo_at__isnull=True)
        cutoff = timezone.now() - dt.timedelta(days=settings.ENROLLMENT_MAX_AGE_DAYS)
        return newest.filter(newest_ready_photo_at__lt=cutoff)


def enrollment_quality_field(student: Student) -> str:
    """The change page's readonly summary: usable photos, their spread, warnings."""
    if not student.pk:
        return ""
    return enrollment_quality(student).summary


def usable_photo_count() -> Subquery:
    """A Student annotation: how many ready photos the student has."""
    ready = (
        FacePhoto.objects.filter(student=OuterRef("pk"), status=FacePhoto.Status.READY)
        .order_by()
        .values("student")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Subquery(ready, output_field=IntegerField())


def usable_photos_column(count: int | None) -> str:
    count = count or 0
    return f"{count} ⚠" if count < 2 else str(count)  # a single photo (or none) deserves a look
