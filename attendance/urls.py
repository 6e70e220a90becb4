from django.urls import path

from attendance import api, views

app_name = "attendance"

urlpatterns = [
    path("api/attendance", api.SightingView.as_view(), name="sightings"),
    path("api/attendance/state", api.AttendanceStateView.as_view(), name="state"),
    path("api/classrooms/by-code/<str:code>", api.ClassroomByCodeView.as_view(), name="classroom-by-code"),
    path("api/lessons/current", api.CurrentLessonView.as_view(), name="current-lesson"),
    path(
        "api/lessons/<int:lesson_id>/presences/<int:student_id>",
        api.ManualPresenceView.as_view(),
        name="manual-presence",
    ),
    path(
        "api/lessons/<int:lesson_id>/offers/<int:student_id>/dismiss",
        api.OfferDismissView.as_view(),
        name="dismiss-offer",
    ),
    path("api/lessons/<int:lesson_id>/roll/confirm", api.RollConfirmView.as_view(), name="confirm-roll-api"),
    path("classes/", views.my_classes, name="classes"),
    path("classes/<str:code>/live/", views.live_class, name="live"),
    path("classes/<str:code>/rolls/<int:lesson_id>/confirm/", views.confirm_lesson_roll, name="confirm-roll"),
    path("attendance/evidence/<int:log_id>.jpg", views.evidence_crop, name="evidence"),
    path("attendance/offers/<int:face_id>.jpg", views.offer_crop, name="offer-crop"),
    path(
        "attendance/justifications/<int:justification_id>/document",
        views.justification_document,
        name="justification-document",
    ),
]
