from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from attendance.models import AttendanceLog, Device, Justification, Presence, PresenceChange, Roll
from attendance.services.justifications import justification_document
from school.admin_figures import rounded_field
from school.admin_mixins import ReadOnlyAdminMixin


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["name", "classroom", "key_prefix", "active", "last_used_at"]
    list_filter = ["active", "classroom"]
    search_fields = ["name", "key_prefix"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at"]
    actions = ["issue_new_keys"]

    def save_model(self, request: HttpRequest, obj: Device, form: forms.ModelForm, change: bool) -> None:
        key = None if change else obj.issue_key()
        super().save_model(request, obj, form, change)
        if key:
            _show_key_once(request, obj, key)

    @admin.action(description=_("Issue a new API key (the old one stops working)"), permissions=["change"])
    def issue_new_keys(self, request: HttpRequest, queryset: Any) -> None:
        for device in queryset:
            key = device.issue_key()
            device.save(update_fields=["key_prefix", "key_hash"])
            _show_key_once(request, device, key)


def _show_key_once(request: HttpRequest, device: Device, key: str) -> None:
    messages.warning(
        request,
        _("API key for %(device)s: %(key)s — copy it now, it is not stored and will not be shown again.")
        % {"device": device.name, "key": key},
    )


class PresenceChangeInline(admin.TabularInline):
    model = PresenceChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "changed_by", "from_status", "to_status"]
    readonly_fields = ["changed_at", "changed_by", "from_status", "to_status"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Presence)
class PresenceAdmin(admin.ModelAdmin):
    list_display = ["lesson", "student", "status", "source", "first_seen", "last_seen", "changed_by"]
    list_filter = ["status", "source", "lesson__classroom", "lesson__date"]
    search_fields = ["student__full_name", "student__registration", "lesson__classroom__code"]
    list_select_related = ["lesson__classroom", "student", "changed_by"]
    readonly_fields = ["lesson", "student", "status", "source", "first_seen", "last_seen", "evidence", "changed_by"]
    inlines = [PresenceChangeInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # presence comes from sightings and from the live page's manual changes


@admin.register(AttendanceLog)
class AttendanceLogAdmin(admin.ModelAdmin):
    list_display = ["seen_at", "student", "classroom", "lesson", "camera", "device", "distance_rounded"]
    list_filter = ["classroom", "camera", "device"]
    search_fields = ["student__full_name", "student__registration"]
    date_hierarchy = "seen_at"
    list_select_related = ["student", "classroom", "lesson", "camera", "device"]
    # The distance as people read it (0.43, not 0.4312345...), on its page too.
    exclude = ["distance"]
    readonly_fields = ["distance_rounded"]
    distance_rounded = rounded_field(AttendanceLog, "distance", places=2)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Roll)
class RollAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read only: rolls are closed by the system and confirmed on the live page."""

    list_display = ["lesson", "closed_at", "absences_recorded", "confirmed_at", "confirmed_by"]
    list_filter = ["lesson__classroom", "lesson__date", ("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["lesson__classroom__code", "lesson__subject"]
    date_hierarchy = "closed_at"
    list_select_related = ["lesson__classroom", "confirmed_by"]


class _ServedDocument:
    """What the file widget shows for a stored document: its name, linked to the view that serves (and logs) it;
    MEDIA_URL is never served."""

    def __init__(self, justification_id: int, name: str) -> None:
        self.url = reverse("attendance:justification-document", args=[justification_id])
        self.name = name.rsplit("/", 1)[-1]

    def __str__(self) -> str:
        return self.name


class DocumentInput(forms.ClearableFileInput):
    def format_value(self, value: Any) -> Any:
        instance = getattr(value, "instance", None)
        if self.is_initial(value) and instance is not None and instance.pk:
            return _ServedDocument(instance.pk, value.name)
        return super().format_value(value)


class JustificationForm(forms.ModelForm):
    class Meta:
        model = Justification
        fields = ["student", "start_date", "end_date", "reason", "document"]
        widgets = {"document": DocumentInput}

    def clean_document(self) -> Any:
        # A new upload is checked and replaced by what may be stored (a PDF or a re-encoded image, a random name).
        document = self.cleaned_data.get("document")
        if isinstance(document, UploadedFile):
            return justification_document(document)
        return document


@admin.register(Justification)
class JustificationAdmin(admin.ModelAdmin):
    form = JustificationForm
    list_display = ["student", "start_date", "end_date", "reason", "document_link", "recorded_by", "recorded_at"]
    list_filter = ["start_date", "student__enrollments__classroom"]
    search_fields = ["student__full_name", "student__registration", "reason"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["student"]
    fields = ["student", "start_date", "end_date", "reason", "document", "recorded_by", "recorded_at"]
    readonly_fields = ["recorded_by", "recorded_at"]
    list_select_related = ["student", "recorded_by"]

    @admin.display(description=_("document"))
    def document_link(self, justification: Justification) -> SafeString | str:
        if not justification.document:
            return "—"
        url = reverse("attendance:justification-document", args=[justification.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open"))

    def save_model(self, request: HttpRequest, obj: Justification, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.recorded_by = request.user  # type: ignore[assignment]  # the admin's user is a User
        super().save_model(request, obj, form, change)


# The absence notices' admin lives in its own module (registered on import).
from attendance import notices_admin  # noqa: E402, F401
