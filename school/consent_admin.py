"""Consent in the admin (imported by school/admin.py): the published terms with who accepted which version, the
history of grants and withdrawals (read-only), and, on a student's page, the form that records a new grant or
withdrawal through school.services.consent.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from school.admin_mixins import ReadOnlyAdminMixin
from school.downloads import logged_file
from school.models import AccessKind, ConsentKind, ConsentRecord, ConsentTerms, Guardian, Student
from school.services.consent import (
    ConsentError,
    current_terms,
    filter_by_terms,
    grant_consent,
    students_on_terms,
    students_on_terms_older_than,
    withdraw_consent,
)
from school.services.uploads import UploadRejected, checked_document

GRANT, WITHDRAW = "grant", "withdraw"
#: The student list's filter parameters, by kind (the terms' admin links to them).
TERMS_PARAMETERS = {ConsentKind.BIOMETRIC: "biometric_terms", ConsentKind.IMAGE: "image_terms"}


def students_url(kind: str, which: str) -> str:
    """The student list filtered by consent terms (see school.services.consent.filter_by_terms)."""
    return reverse("admin:school_student_changelist") + f"?{TERMS_PARAMETERS[ConsentKind(kind)]}={which}"


def signed_form_link(record: ConsentRecord) -> SafeString | str:
    if not record.signed_form:
        return "—"
    url = reverse("admin:school_consentrecord_signed_form", args=[record.pk])
    return format_html('<a href="{}">{}</a>', url, _("signed form"))


class _TermsFilter(admin.SimpleListFilter):
    kind: ConsentKind

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("current", _("current terms")), ("older", _("older terms")), ("none", _("none"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Student]) -> QuerySet[Student]:
        value = self.value()
        return filter_by_terms(queryset, self.kind, value) if value else queryset


class BiometricTermsFilter(_TermsFilter):
    title = _("biometric consent")
    parameter_name = TERMS_PARAMETERS[ConsentKind.BIOMETRIC]
    kind = ConsentKind.BIOMETRIC


class ImageTermsFilter(_TermsFilter):
    title = _("image consent")
    parameter_name = TERMS_PARAMETERS[ConsentKind.IMAGE]
    kind = ConsentKind.IMAGE


class ConsentHistoryInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Every grant and withdrawal, latest first: evidence, never edited."""

    model = ConsentRecord
    verbose_name = _("consent record")
    verbose_name_plural = _("consent history")
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "recorded_at",
        "kind",
        "action",
        "terms_version",
        "given_by",
        "relation",
        "signed_form_file",
        "recorded_by",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConsentRecord]:
        return super().get_queryset(request).select_related("terms", "recorded_by").order_by("-recorded_at", "-id")

    @admin.display(description=_("action"))
    def action(self, record: ConsentRecord) -> str:
        return str(_("granted") if record.granted else _("withdrawn"))

    @admin.display(description=_("terms"))
    def terms_version(self, record: ConsentRecord) -> str:
        return record.terms.version if record.terms else "—"

    @admin.display(description=_("signed form"))
    def signed_form_file(self, record: ConsentRecord) -> SafeString | str:
        return signed_form_link(record)


class RecordConsentForm(forms.ModelForm):
    action = forms.ChoiceField(
        label=_("action"),
        required=False,
        choices=[("", "---------"), (GRANT, _("grants")), (WITHDRAW, _("withdraws"))],
    )

    class Meta:
        model = ConsentRecord
        fields = ["action", "kind", "terms", "guardian", "given_by", "relation", "signed_form"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = ConsentKind.BIOMETRIC
        self.fields["terms"].required = False
        self.fields["terms"].help_text = _("Empty: the current terms.")
        self.fields["given_by"].required = False
        self.fields["given_by"].help_text = _("Without a guardian: who gave or withdrew the consent.")

    def has_changed(self) -> bool:
        # The kind always has a value: alone it records nothing (a page posted without this form's fields neither).
        return any(name != "kind" for name in self.changed_data)

    def clean_signed_form(self) -> Any:
        upload = self.cleaned_data.get("signed_form")
        if upload:
            try:
                checked_document(upload)
            except UploadRejected as rejection:
                raise forms.ValidationError(rejection.detail, code=rejection.code) from None
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        action, kind = data.get("action"), data.get("kind")
        if not action:
            raise forms.ValidationError(_("Choose whether the consent is granted or withdrawn."))
        if not kind:
            return data
        student = Student.objects.filter(pk=self.instance.student_id).first() if self.instance.student_id else None
        guardian: Guardian | None = data.get("guardian")
        if guardian is not None and guardian.student_id != self.instance.student_id:
            self.add_error("guardian", _("This guardian is not one of the student's guardians."))
        if action == WITHDRAW:
            data["terms"] = None
            if student is not None and not getattr(student, f"{kind}_consent"):
                raise forms.ValidationError(_("The student has not given this consent: there is nothing to withdraw."))
        else:
            self._clean_grant(data, kind, student, guardian)
        self.instance.granted = action == GRANT  # for the model's checks; the service writes the record
        return data

    def _clean_grant(self, data: dict[str, Any], kind: str, student: Student | None, guardian: Guardian | None) -> None:
        if guardian is None and not " ".join((data.get("given_by") or "").split()):
            self.add_error("given_by", _("Choose the guardian who gave the consent, or write the name."))
        terms: ConsentTerms | None = data.get("terms")
        if terms is None:
            try:
                terms = data["terms"] = current_terms(kind)
            except ConsentError as error:
                self.add_error("terms", error.detail)
                return
        if terms.kind != kind or terms.published_at > timezone.now():
            self.add_error("terms", _("These terms are not published terms of this kind of consent."))
        elif (
            student is not None
            and getattr(student, f"{kind}_consent")
            and (getattr(student, f"{kind}_consent_terms_id") == terms.pk)
        ):
            self.add_error("terms", _("The student's consent to these terms is already recorded."))


class RecordConsentFormSet(BaseInlineFormSet):
    def record(self, student: Student, recorded_by: User | AnonymousUser) -> list[ConsentRecord]:
        """Record each filled form through the consent service (never saved as a plain row); the admin's change
        message lists what was recorded."""
        recorded: list[ConsentRecord] = []
        for form in self.forms:
            if not form.has_changed() or not form.cleaned_data:
                continue
            data = form.cleaned_data
            guardian, given_by, relation = data.get("guardian"), data.get("given_by") or "", data.get("relation") or ""
            signed_form = data.get("signed_form") or None
            record: ConsentRecord | None
            if data["action"] == GRANT:
                record = grant_consent(
                    student,
                    data["kind"],
                    guardian=guardian,
                    given_by=given_by,
                    relation=relation,
                    terms=data["terms"],
                    signed_form=signed_form,
                    recorded_by=recorded_by,
                )
            else:
                record = withdraw_consent(
                    student,
                    data["kind"],
                    guardian=guardian,
                    given_by=given_by,
                    relation=relation,
                    signed_form=signed_form,
                    recorded_by=recorded_by,
                )
            if record is not None:
                recorded.append(record)
        self.new_objects, self.changed_objects, self.deleted_objects = recorded, [], []
        return recorded


class RecordConsentInline(admin.StackedInline):
    """One empty form to record a guardian's grant or withdrawal, with the signed form."""

    model = ConsentRecord
    form = RecordConsentForm
    formset = RecordConsentFormSet
    verbose_name = _("new consent record")
    verbose_name_plural = _("record a consent or its withdrawal")
    extra = 1
    max_num = 1
    can_delete = False
    classes = ["collapse"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConsentRecord]:
        return super().get_queryset(request).none()  # only the new record; the history inline shows the rest

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "guardian":
            match = request.resolver_match
            student_id = match.kwargs.get("object_id") if match else None
            kwargs["queryset"] = (
                Guardian.objects.filter(student_id=student_id) if student_id else Guardian.objects.none()
            )
        elif db_field.name == "terms":
            kwargs["queryset"] = ConsentTerms.objects.filter(published_at__lte=timezone.now())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ConsentTerms)
class ConsentTermsAdmin(admin.ModelAdmin):
    list_display = ["kind", "version", "published_at", "purpose", "on_this_version", "on_older_versions"]
    list_filter = ["kind"]
    search_fields = ["version", "purpose"]
    fields = ("kind", "version", "published_at", "purpose", "text")

    def get_readonly_fields(self, request: HttpRequest, obj: ConsentTerms | None = None) -> Any:
        # What guardians accepted stays as they read it: a change is a new version.
        return self.fields if obj is not None and obj.records.exists() else []

    def get_fieldsets(self, request: HttpRequest, obj: ConsentTerms | None = None) -> Any:
        description = None
        if obj is not None and obj.records.exists():
            description = _("Guardians accepted these terms: they can no longer be changed. Publish a new version.")
        return [(None, {"fields": self.fields, "description": description})]

    def has_delete_permission(self, request: HttpRequest, obj: ConsentTerms | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.records.exists())

    @admin.display(description=_("students on this version"))
    def on_this_version(self, terms: ConsentTerms) -> SafeString:
        count = students_on_terms(terms).count()
        return format_html('<a href="{}">{}</a>', students_url(terms.kind, f"on-{terms.pk}"), count)

    @admin.display(description=_("students on an older version"))
    def on_older_versions(self, terms: ConsentTerms) -> SafeString:
        count = students_on_terms_older_than(terms).count()
        return format_html('<a href="{}">{}</a>', students_url(terms.kind, f"before-{terms.pk}"), count)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The history of every student, read-only: records are made on the student's page."""

    list_display = [
        "recorded_at",
        "student",
        "kind",
        "granted",
        "terms",
        "given_by",
        "relation",
        "signed_form_file",
        "recorded_by",
    ]
    list_filter = ["kind", "granted", "terms"]
    date_hierarchy = "recorded_at"
    search_fields = ["student__full_name", "student__registration", "given_by"]
    list_select_related = ["student", "terms", "recorded_by"]
    fields = readonly_fields = (
        "student",
        "kind",
        "granted",
        "terms",
        "guardian",
        "given_by",
        "relation",
        "signed_form_file",
        "recorded_at",
        "recorded_by",
    )

    @admin.display(description=_("signed form"))
    def signed_form_file(self, record: ConsentRecord) -> SafeString | str:
        return signed_form_link(record)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.signed_form_view)
        return [
            path("<int:record_id>/signed-form/", view, name="school_consentrecord_signed_form"),
            *super().get_urls(),
        ]

    def signed_form_view(self, request: HttpRequest, record_id: int) -> FileResponse:
        """The signed form, to staff who may see consent records (media files are never served publicly)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        record = get_object_or_404(ConsentRecord.objects.select_related("student"), pk=record_id)
        name = (record.signed_form.name or "").rsplit("/", 1)[-1]
        return logged_file(
            request,
            record.signed_form,
            AccessKind.CONSENT_FORM,
            student=record.student,
            target=f"consent record {record.pk}",
            filename=f"consent-{record.student_id}-{name}",
        )


def consent_summary(student: Student, kind: str) -> str:
    """The current state of `student`'s consent of `kind` in one sentence, for the student's page."""
    latest = student.consents.filter(kind=kind).select_related("terms").order_by("-recorded_at", "-id").first()
    if not getattr(student, f"{kind}_consent"):
        if latest is not None and not latest.granted:
            when = formats.date_format(timezone.localtime(latest.recorded_at), "SHORT_DATE_FORMAT")
            return str(_("Not given: withdrawn on %(date)s by %(who)s.") % {"date": when, "who": latest.given_by})
        return str(_("Not given."))
    terms: ConsentTerms | None = getattr(student, f"{kind}_consent_terms")
    version = terms.version if terms is not None else "?"
    if latest is not None and latest.granted:
        when = formats.date_format(timezone.localtime(latest.recorded_at), "SHORT_DATE_FORMAT")
        summary = _("Given on %(date)s by %(who)s, terms version %(version)s.") % {
            "date": when,
            "who": f"{latest.given_by} ({latest.relation})" if latest.relation else latest.given_by,
            "version": version,
        }
    else:
        summary = _("Given, terms version %(version)s.") % {"version": version}
    try:
        current = current_terms(kind)
    except ConsentError:
        return str(summary)
    if terms is None or terms.pk != current.pk:
        older = _("Version %(version)s is now current: ask for the new terms.") % {"version": current.version}
        return f"{summary} {older}"
    return str(summary)


def terms_version_column(student: Student, kind: str, current_id: int | None) -> str:
    """The student list's column: the version accepted, flagged when older than the current one; — without."""
    if not getattr(student, f"{kind}_consent"):
        return "—"
    terms: ConsentTerms | None = getattr(student, f"{kind}_consent_terms")
    if terms is None:
        return str(_("? (older)"))
    if terms.pk != current_id:
        return str(_("%(version)s (older)") % {"version": terms.version})
    return terms.version


def current_terms_id(kind: str) -> int | None:
    try:
        return current_terms(kind).pk
    except ConsentError:
        return None
