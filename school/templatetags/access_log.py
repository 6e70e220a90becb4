"""The student page's link to the student's access log, for those who may read it."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from school.access_log_admin import student_log_url
from school.models import AccessLog, Student

register = template.Library()


@register.simple_tag(takes_context=True)
def access_log_link(context: dict[str, Any], student: Student | None) -> SafeString:
    """An object-tools item "Access log (N)" on a student's change page; nothing for who lacks view_accesslog."""
    request = context.get("request")
    if student is None or student.pk is None or request is None:
        return mark_safe("")
    if not request.user.has_perm("school.view_accesslog"):
        return mark_safe("")
    count = AccessLog.objects.filter(student=student).count()
    return format_html(
        '<li><a href="{}" class="viewlink">{}</a></li>',
        student_log_url(student),
        _("Access log (%(count)d)") % {"count": count},
    )
