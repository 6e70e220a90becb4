"""Admin of the absence notices and their e-mails (imported by attendance/admin.py): read-only, a log, except that
secretaries can send a given-up e-mail again."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from attendance.models import AbsenceNotice, NoticeEmail
from attendance.services import notice_emails
from attendance.services.access import is_secretary
from school.admin_mixins import ReadOnlyAdminMixin


class NoticeEmailInline(admin.TabularInline):
    model = NoticeEmail
    extra = 0
    fields = readonly_fields = ("recipient_kind", "address", "status", "attempts", "sent_at", "error")
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

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        count = notice_emails.given_up_count()
        if count and request.method == "GET":
            url = reverse("admin:attendance_noticeemail_changelist") + f"?status__exact={NoticeEmail.Status.FAILED}"
            messages.warning(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    ngettext(
                        "%(count)d absence e-mail could not be sent and was given up.",
                        "%(count)d absence e-mails could not be sent and were given up.",
                        count,
                    )
                    % {"count": count},
                    url,
                    _("See them and send them again"),
                ),
            )
        return super().changelist_view(request, extra_context)


@admin.register(NoticeEmail)
class NoticeEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["address", "recipient_kind", "notice", "status", "attempts", "sent_at", "error"]
    list_filter = ["status", "recipient_kind"]
    search_fields = ["address", "notice__student__full_name"]
    readonly_fields = [
        "notice",
        "recipient_kind",
        "address",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "error",
        "created_at",
    ]
    list_select_related = ["notice__student"]
    actions = ["send_again"]

    def has_send_again_permission(self, request: HttpRequest) -> bool:
        return is_secretary(request.user)

    @admin.action(description=_("Send again"), permissions=["send_again"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[NoticeEmail]) -> None:
        count = notice_emails.send_again(queryset)
        if count:
            self.message_user(
                request,
                ngettext("%(count)d e-mail will be sent again.", "%(count)d e-mails will be sent again.", count)
                % {"count": count},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, _("Only e-mails given up can be sent again."), messages.WARNING)
