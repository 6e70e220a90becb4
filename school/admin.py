from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, QuerySet, Value
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from school.consent_admin import (
    BiometricTermsFilter,
    ConsentHistoryInline,
    ImageTermsFilter,
    RecordConsentFormSet,
    RecordConsentInline,
    consent_summary,
    current_terms_id,
    terms_version_column,
)
from school.models import Classroom, ConsentKind, Enrollment, Guardian, Lesson, LessonSchedule, Student, Teacher
from school.services.lessons import generate_lessons
from school.services.roster_import import RosterImportError, import_roster
from school.services.teachers import save_teacher
from school.student_data_admin import student_data_urls


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    autocomplete_fields = ["student"]
    fields = ["student", "school_year", "enrolled_on"]


class LessonScheduleInline(admin.TabularInline):
    model = LessonSchedule
    extra = 0
    fields = ["weekday", "start_time", "end_time", "subject", "teacher"]


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "school_year", "student_count", "active"]
    list_filter = ["active", "school_year"]
    search_fields = ["code", "name"]
    filter_horizontal = ["teachers"]
    inlines = [EnrollmentInline, LessonScheduleInline]
    actions = ["generate_week_of_lessons"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Classroom]:
        return super().get_queryset(request).annotate(student_total=Count("enrollments", distinct=True))

    @admin.display(description=_("students"), ordering="student_total")
    def student_count(self, obj: Classroom) -> int:
        return obj.student_total  # type: ignore[attr-defined]

    @admin.action(description=_("Generate this week's lessons from the schedule"), permissions=["change"])
    def generate_week_of_lessons(self, request: HttpRequest, queryset: QuerySet[Classroom]) -> None:
        today = timezone.localdate()
        created = sum(generate_lessons(classroom, today, days=7) for classroom in queryset)
        self.message_user(
            request,
            ngettext("%(count)d lesson created.", "%(count)d lessons created.", created) % {"count": created},
            messages.SUCCESS,
        )


class StudentForm(forms.ModelForm):
    class Meta:
        model = Student
        fields = [
            "full_name",
            "registration",
            "birth_date",
            "active",
            "frigate_name",
        ]


class GuardianInline(admin.TabularInline):
    model = Guardian
    fields = ["name", "relation", "email", "phone", "notifications"]
    extra = 0


@admin.register(Guardian)
class GuardianAdmin(admin.ModelAdmin):
    list_display = ["name", "student", "relation", "email", "phone", "notifications"]
    list_filter = ["notifications", "student__enrollments__classroom"]
    search_fields = ["name", "email", "phone", "student__full_name", "student__registration"]
    autocomplete_fields = ["student"]
    list_select_related = ["student"]


class RosterImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    form = StudentForm
    list_display = ["full_name", "registration", "classroom_codes", "biometric_terms", "active"]
    list_filter = ["active", BiometricTermsFilter, ImageTermsFilter, "enrollments__classroom"]
    search_fields = ["full_name", "registration"]
    # Consent is never ticked here: it is recorded (who gave it, which terms, the signed form) in the inline below,
    # through school.services.consent.
    readonly_fields = ["biometric_consent_state", "image_consent_state"]
    fields = ["full_name", "registration", "birth_date", "active", *readonly_fields, "frigate_name"]
    inlines = [EnrollmentInline, GuardianInline, ConsentHistoryInline, RecordConsentInline]
    change_list_template = "admin/school/student/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Student]:
        current = Value(current_terms_id(ConsentKind.BIOMETRIC), output_field=IntegerField())
        return (
            super()
            .get_queryset(request)
            .prefetch_related("enrollments__classroom")
            .select_related("biometric_consent_terms")
            .annotate(current_biometric_terms_id=current)
        )

    @admin.display(description=_("classrooms"))
    def classroom_codes(self, obj: Student) -> str:
        return ", ".join(sorted({e.classroom.code for e in obj.enrollments.all()}))

    @admin.display(description=_("biometric consent"), ordering="biometric_consent_terms__published_at")
    def biometric_terms(self, obj: Student) -> str:
        return terms_version_column(obj, ConsentKind.BIOMETRIC, getattr(obj, "current_biometric_terms_id", None))

    @admin.display(description=_("biometric consent"))
    def biometric_consent_state(self, obj: Student) -> str:
        return consent_summary(obj, ConsentKind.BIOMETRIC) if obj.pk else str(_("Not given."))

    @admin.display(description=_("image consent"))
    def image_consent_state(self, obj: Student) -> str:
        return consent_summary(obj, ConsentKind.IMAGE) if obj.pk else str(_("Not given."))

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool) -> None:
        if isinstance(formset, RecordConsentFormSet):
            formset.record(form.instance, request.user)  # through the consent service, never as a plain row
            return
        super().save_formset(request, form, formset, change)

    def get_urls(self) -> list[URLPattern]:
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="school_student_import"),
            *student_data_urls(self),  # export and erasure of a student's data (school/student_data_admin.py)
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = RosterImportForm(request.POST or None, request.FILES or None)
        errors: list[Any] = []
        if request.method == "POST" and form.is_valid():
            try:
                report = import_roster(form.cleaned_data["file"].read(), recorded_by=request.user)
            except RosterImportError as failure:
                errors = failure.errors
                self.message_user(
                    request, _("Nothing was imported: fix the lines below and try again."), messages.ERROR
                )
            else:
                self.message_user(
                    request,
                    _(
                        "Imported %(rows)d rows: %(created)d new students, %(updated)d updated, "
                        "%(enrollments)d new enrollments."
                    )
                    % {
                        "rows": report.rows,
                        "created": report.students_created,
                        "updated": report.students_updated,
                        "enrollments": report.enrollments_created,
                    },
                    messages.SUCCESS,
                )
                if report.guardians_created or report.guardians_updated:
                    self.message_user(
                        request,
                        _("Guardians: %(created)d new, %(updated)d updated.")
                        % {"created": report.guardians_created, "updated": report.guardians_updated},
                        messages.SUCCESS,
                    )
                return HttpResponseRedirect(reverse("admin:school_student_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import students from CSV"),
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "admin/school/student/import.html", context)


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["student", "classroom", "school_year", "enrolled_on", "created_at"]
    list_filter = ["school_year", "classroom"]
    search_fields = ["student__full_name", "student__registration", "classroom__code"]
    autocomplete_fields = ["student", "classroom"]
    list_select_related = ["student", "classroom"]


@admin.register(LessonSchedule)
class LessonScheduleAdmin(admin.ModelAdmin):
    list_display = ["classroom", "weekday", "start_time", "end_time", "subject", "teacher"]
    list_filter = ["weekday", "classroom"]
    search_fields = ["classroom__code", "subject"]
    autocomplete_fields = ["classroom"]
    list_select_related = ["classroom", "teacher"]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["date", "start_time", "end_time", "classroom", "subject", "teacher"]
    list_filter = ["classroom", "subject"]
    date_hierarchy = "date"
    search_fields = ["classroom__code", "subject"]
    autocomplete_fields = ["classroom"]
    list_select_related = ["classroom", "teacher"]


class TeacherForm(forms.ModelForm):
    classrooms = forms.ModelMultipleChoiceField(
        Classroom.objects.all(),
        required=False,
        label=_("classrooms"),
        widget=FilteredSelectMultiple(_("classrooms"), is_stacked=False),
    )
    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = Teacher
        fields = ["username", "first_name", "last_name", "email", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["classrooms"].initial = self.instance.classrooms.all()
        else:
            self.fields["password"].required = True

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if password:
            password_validation.validate_password(password, self.instance)
        return password


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin):
    """Secretaries manage teachers here: no access to staff or superuser flags, unlike the user admin."""

    form = TeacherForm
    list_display = ["username", "first_name", "last_name", "email", "classroom_codes", "is_active"]
    # RelatedOnlyFieldListFilter: the plain filter on this reverse relation would apply Classroom.teachers'
    # limit_choices_to (groups__name=...) to Classroom itself and crash the list.
    list_filter = ["is_active", ("classrooms", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["username", "first_name", "last_name", "email"]
    fields = ["username", "first_name", "last_name", "email", "password", "classrooms", "is_active"]
    # The form's `password` is a new raw password for save_teacher; without this the form copies it onto
    # User.password, so saving a teacher with it left empty wiped the stored hash.
    exclude = ["password"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Teacher]:
        return super().get_queryset(request).prefetch_related("classrooms")

    @admin.display(description=_("classrooms"))
    def classroom_codes(self, obj: Teacher) -> str:
        return ", ".join(c.code for c in obj.classrooms.all())

    def save_model(self, request: HttpRequest, obj: Teacher, form: forms.ModelForm, change: bool) -> None:
        save_teacher(obj, password=form.cleaned_data["password"], classrooms=form.cleaned_data["classrooms"])

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        pass  # save_teacher already stored the classrooms


# The access log's admin lives in its own module (registered on import).
from school import access_log_admin  # noqa: E402, F401
