from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from recognition import face_group_admin  # noqa: F401  (registers the face groups' admin)
from recognition.lookalike_admin import (
    StaleEnrollmentFilter,
    enrollment_quality_field,
    usable_photo_count,
    usable_photos_column,
)
from recognition.models import FacePhoto, Gallery, GalleryPhoto, PhotoJob
from recognition.services.bulk import BadArchive, bulk_enroll
from recognition.services.enrollment import EnrollmentRefused, add_face_photo, check_face_upload
from recognition.services.gallery import retry_jobs
from school.admin import StudentAdmin
from school.admin_figures import rounded_field
from school.models import Student
from school.throttling import throttled


def face_preview(photo: FacePhoto, width: int = 120) -> SafeString:
    """A thumbnail with the detected face box drawn over it (CSS, so the stored image stays untouched)."""
    if not photo.pk:
        return mark_safe("")  # nothing to show yet
    url = reverse("recognition:face-photo-image", args=[photo.pk])
    box = ""
    if photo.box_top is not None and photo.width and photo.height:
        # An SVG over the picture (static/chamada-admin.css places it): attributes, not a style the CSP refuses.
        box = format_html(
            '<svg class="face-box" aria-hidden="true"><rect x="{}%" y="{}%" width="{}%" height="{}%"/></svg>',
            round(100 * (photo.box_left or 0) / photo.width, 2),
            round(100 * photo.box_top / photo.height, 2),
            round(100 * ((photo.box_right or 0) - (photo.box_left or 0)) / photo.width, 2),
            round(100 * ((photo.box_bottom or 0) - photo.box_top) / photo.height, 2),
        )
    return format_html('<a href="{}" class="face-preview"><img src="{}" alt="" width="{}">{}</a>', url, url, width, box)


class FacePhotoInline(admin.TabularInline):
    model = FacePhoto
    extra = 0
    can_delete = True
    show_change_link = True
    fields = ["preview", "status", "rejection_code", "face_size_px", "sharpness_rounded", "created_at"]
    readonly_fields = ["preview", "status", "rejection_code", "face_size_px", "sharpness_rounded", "created_at"]
    verbose_name_plural = _("Face photos")
    sharpness_rounded = rounded_field(FacePhoto, "sharpness")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # photos are added through the upload pages, which check and encode them

    @admin.display(description=_("photo"))
    def preview(self, photo: FacePhoto) -> SafeString:
        return face_preview(photo)


class UsableFaceFilter(admin.SimpleListFilter):
    title = _("usable face")
    parameter_name = "usable_face"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("With a usable face")), ("no", _("Without a usable face"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        ready = FacePhoto.objects.filter(student=OuterRef("pk"), status=FacePhoto.Status.READY)
        if self.value() == "yes":
            return queryset.filter(Exists(ready))
        if self.value() == "no":
            return queryset.filter(~Exists(ready))
        return queryset


admin.site.unregister(Student)


@admin.register(Student)
class StudentWithFacesAdmin(StudentAdmin):
    """The roster's student admin, plus the face photos this app keeps for each student."""

    inlines = [*StudentAdmin.inlines, FacePhotoInline]
    list_display = [*StudentAdmin.list_display, "usable_photos"]
    list_filter = [*StudentAdmin.list_filter, UsableFaceFilter, StaleEnrollmentFilter]
    readonly_fields = [*StudentAdmin.readonly_fields, "upload_faces_link", "enrollment_quality"]
    fields = [*StudentAdmin.fields, "upload_faces_link", "enrollment_quality"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Student]:
        # One subquery for the list's column (the full quality summary is on the change page only).
        return super().get_queryset(request).annotate(usable_photo_count=usable_photo_count())

    @admin.display(description=_("usable photos"), ordering="usable_photo_count")
    def usable_photos(self, student: Student) -> str:
        return usable_photos_column(getattr(student, "usable_photo_count", 0))

    @admin.display(description=_("enrollment quality"))
    def enrollment_quality(self, student: Student) -> str:
        return enrollment_quality_field(student)

    @admin.display(description=_("face photos"))
    def upload_faces_link(self, student: Student) -> SafeString:
        if not student.pk:
            return mark_safe("")  # nothing to show yet
        url = reverse("admin:recognition_facephoto_add") + f"?student={student.pk}"
        return format_html('<a class="addlink" href="{}">{}</a>', url, _("Upload a face photo"))


class FacePhotoAddForm(forms.ModelForm):
    image = forms.FileField(label=_("image"))

    class Meta:
        model = FacePhoto
        fields = ["student"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        student, upload = cleaned.get("student"), cleaned.get("image")
        if student is not None and upload is not None:
            try:
                check_face_upload(student, upload.read())
            except EnrollmentRefused as refusal:
                raise forms.ValidationError(
                    "%(reason)s: %(detail)s",
                    code=refusal.code,
                    params={"reason": refusal.code.label, "detail": refusal.detail},
                ) from None
            finally:
                upload.seek(0)
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class BulkUploadForm(forms.Form):
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("photos or zip archives"),
        help_text=_("Name each file after the student's registration number, e.g. 2024001.jpg, 2024001-2.jpg."),
    )


@admin.register(FacePhoto)
class FacePhotoAdmin(admin.ModelAdmin):
    list_display = [
        "thumbnail",
        "student",
        "status",
        "rejection_code",
        "face_size_px",
        "sharpness_rounded",
        "created_at",
    ]
    list_filter = ["status", "rejection_code"]
    search_fields = ["student__full_name", "student__registration"]
    list_select_related = ["student"]
    autocomplete_fields = ["student"]
    readonly_fields = [
        "preview",
        "student",
        "status",
        "rejection_code",
        "rejection_detail",
        "width",
        "height",
        "face_size_px",
        "sharpness_rounded",
        "created_by",
        "created_at",
        "processed_at",
    ]
    change_list_template = "admin/recognition/facephoto/change_list.html"
    sharpness_rounded = rounded_field(FacePhoto, "sharpness")  # 656, not 655.978981282562

    @admin.display(description=_("photo"))
    def thumbnail(self, photo: FacePhoto) -> SafeString:
        return face_preview(photo, width=64)

    @admin.display(description=_("photo"))
    def preview(self, photo: FacePhoto) -> SafeString:
        return face_preview(photo, width=320)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = FacePhotoAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["student", "image"] if obj is None else list(self.readonly_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: FacePhoto, form: forms.ModelForm, change: bool) -> None:
        upload = form.cleaned_data["image"]
        try:
            result = add_face_photo(form.cleaned_data["student"], upload.read(), upload.name, created_by=request.user)
        except EnrollmentRefused as refusal:  # consent withdrawn between the form check and now
            raise PermissionDenied(refusal.detail) from None
        obj.pk = result.photo.pk
        obj.refresh_from_db()
        if obj.status == FacePhoto.Status.REJECTED:
            self.message_user(
                request,
                _("Photo rejected: %(reason)s (%(detail)s)")
                % {"reason": obj.get_rejection_code_display(), "detail": obj.rejection_detail},
                messages.WARNING,
            )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "bulk-upload/",
                self.admin_site.admin_view(throttled("uploads")(self.bulk_upload_view)),
                name="recognition_facephoto_bulk",
            ),
            *super().get_urls(),
        ]

    def bulk_upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BulkUploadForm(request.POST or None, request.FILES or None)
        results = None
        if request.method == "POST" and form.is_valid():
            files = [(upload.name, upload.read()) for upload in form.cleaned_data["files"]]
            try:
                results = bulk_enroll(files, created_by=request.user)
            except BadArchive as error:
                self.message_user(
                    request, _("The archive cannot be read: %(error)s") % {"error": error}, messages.ERROR
                )
            else:
                ready = sum(result.status == FacePhoto.Status.READY for result in results)
                self.message_user(
                    request,
                    _("%(ready)d of %(total)d photos are ready.") % {"ready": ready, "total": len(results)},
                    messages.SUCCESS if ready == len(results) else messages.WARNING,
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Upload face photos"),
            "form": form,
            "results": results,
        }
        return TemplateResponse(request, "admin/recognition/facephoto/bulk_upload.html", context)


# --- Gallery recognition ----------------------------------------------------------------------------------------


class GalleryPhotoInline(admin.TabularInline):
    model = GalleryPhoto
    extra = 0
    fields = ["image", "width", "height", "job_status", "uploaded_by", "uploaded_at"]
    readonly_fields = ["image", "width", "height", "job_status", "uploaded_by", "uploaded_at"]
    verbose_name_plural = _("Photos")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # photos are added through the upload endpoint, which checks them and creates their jobs

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("job", "uploaded_by")

    @admin.display(description=_("face processing"))
    def job_status(self, photo: GalleryPhoto) -> str:
        job = getattr(photo, "job", None)
        return str(job.get_status_display()) if job else str(PhotoJob.Status.PENDING.label)


@admin.register(Gallery)
class GalleryAdmin(admin.ModelAdmin):
    list_display = ["title", "date", "owner", "blur_unknown_faces", "created_at"]
    list_filter = ["date", "classrooms"]
    search_fields = ["title"]
    filter_horizontal = ["classrooms"]
    inlines = [GalleryPhotoInline]
    change_form_template = "recognition/gallery_admin_change_form.html"  # adds a link to the gallery page

    def save_model(self, request: HttpRequest, obj: Gallery, form: forms.ModelForm, change: bool) -> None:
        if not change and obj.owner_id is None and isinstance(request.user, User):
            obj.owner = request.user
        super().save_model(request, obj, form, change)


@admin.register(PhotoJob)
class PhotoJobAdmin(admin.ModelAdmin):
    list_display = ["photo", "gallery", "status", "attempts", "last_error", "processed_at", "updated_at"]
    list_filter = ["status", "photo__gallery"]
    list_select_related = ["photo__gallery"]
    readonly_fields = ["photo", "status", "attempts", "last_error", "processed_at", "settings_used", "updated_at"]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a photo's job is created with the photo

    @admin.display(description=_("gallery"), ordering="photo__gallery")
    def gallery(self, job: PhotoJob) -> Gallery:
        return job.photo.gallery

    @admin.action(description=_("Retry the failed jobs"), permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[PhotoJob]) -> None:
        queued = retry_jobs(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(count)d jobs queued again.") % {"count": queued}, messages.SUCCESS)
