"""The access log's admin (imported by school/admin.py): read-only for everyone, superusers included; the Data
protection group and superusers see it (view_accesslog)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from school.admin_mixins import ReadOnlyAdminMixin
from school.models import AccessLog, Student

#: The query parameter that filters the log by student (the link on a student's page uses it).
STUDENT_PARAMETER = "student__id__exact"
FIELDS = ("at", "user", "username", "kind", "student", "registration", "target", "ip")


def student_log_url(student: Student) -> str:
    return reverse("admin:school_accesslog_changelist") + f"?{STUDENT_PARAMETER}={student.pk}"


class StudentFilter(admin.SimpleListFilter):
    """One student's entries. Listing every student would be the whole roster: the filter shows the student
    chosen (from the student's page or a row's link) and how to leave it; search finds the others."""

    title = _("student")
    parameter_name = STUDENT_PARAMETER

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        value = self.value()
        if not value or not value.isdigit():
            return []
        student = Student.objects.filter(pk=int(value)).first()
        return [(value, str(student) if student is not None else value)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AccessLog]) -> QuerySet[AccessLog]:
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(student_id=int(value))


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "who", "kind", "student_link", "target", "ip"]
    list_filter = ["kind", "at", StudentFilter]
    date_hierarchy = "at"
    search_fields = ["registration", "student__full_name", "username", "target"]
    list_select_related = ["student"]
    fields = FIELDS
    readonly_fields = FIELDS
    list_per_page = 100

    @admin.display(description=_("user"), ordering="username")
    def who(self, entry: AccessLog) -> str:
        return entry.username or "-"

    @admin.display(description=_("student"), ordering="registration")
    def student_link(self, entry: AccessLog) -> SafeString | str:
        """The student (or the registration kept after the student was erased), linking to their entries."""
        if entry.student is None:
            return entry.registration or "-"
        return format_html('<a href="{}">{}</a>', student_log_url(entry.student), entry.student)
