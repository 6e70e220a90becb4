"""Admin of the absence notices and the e-mails they sent (imported by attendance/admin.py): read-only, a log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from attendance.models import AbsenceNotice, NoticeEmail
from school.admin_mixins import ReadOnlyAdminMixin


class NoticeEmailInline(admin.TabularInline):
    model = NoticeEmail
    extra = 0
    fields = readonly_fields = ("recipient_kind", "address", "sent_at", "error")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AbsenceNotice)
class AbsenceNoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["student", "kind", "key", "created_at"]
    list_filter = ["kind"]
    search_fields = ["student__full_name", "student__registration"]
    readonly_fields = ["student", "kind", "key", "details", "created_at"]
    inlines = [NoticeEmailInline]
    list_select_related = ["student"]


@admin.register(NoticeEmail)
class NoticeEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["address", "recipient_kind", "notice", "sent_at", "error"]
    list_filter = ["recipient_kind"]
    search_fields = ["address", "notice__student__full_name"]
    readonly_fields = ["notice", "recipient_kind", "address", "sent_at", "error", "created_at"]
    list_select_related = ["notice__student"]
