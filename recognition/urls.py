from django.urls import path

from recognition import api, gallery_api, gallery_views, lookalike_api, lookalike_views, review_api, review_views, views

app_name = "recognition"

urlpatterns = [
    path("api/students/<int:student_id>/faces", api.StudentFacesView.as_view(), name="student-faces"),
    path("api/students/lookalikes", lookalike_api.LookalikesView.as_view(), name="student-lookalikes"),
    path(
        "api/students/stale-enrollments",
        lookalike_api.StaleEnrollmentsView.as_view(),
        name="student-stale-enrollments",
    ),
    path("api/faces/<int:pk>", api.FacePhotoDetailView.as_view(), name="face-photo"),
    path("api/recognize", api.RecognizeView.as_view(), name="recognize"),
    path("recognition/faces/<int:pk>/image", views.face_photo_image, name="face-photo-image"),
    path("recognition/proposals/<int:pk>/crop.jpg", lookalike_views.proposal_crop, name="proposal-crop"),
    # Gallery recognition
    path("api/galleries/<int:gallery_id>/photos", gallery_api.GalleryPhotosView.as_view(), name="gallery-photos"),
    path(
        "api/galleries/<int:gallery_id>/photos/<int:photo_id>/process-faces",
        gallery_api.ProcessFacesView.as_view(),
        name="gallery-photo-process",
    ),
    path(
        "api/galleries/<int:gallery_id>/process-all-faces",
        gallery_api.ProcessAllFacesView.as_view(),
        name="gallery-process-all",
    ),
    path(
        "api/galleries/<int:gallery_id>/face-process-status",
        gallery_api.FaceProcessStatusView.as_view(),
        name="gallery-process-status",
    ),
    path("api/galleries/<int:gallery_id>/face-results", gallery_api.FaceResultsView.as_view(), name="gallery-results"),
    path(
        "api/galleries/<int:gallery_id>/photos/<int:photo_id>/face-detail",
        gallery_api.FaceDetailView.as_view(),
        name="gallery-photo-faces",
    ),
    path(
        "galleries/<int:gallery_id>/photos/<int:photo_id>/public.jpg",
        views.gallery_photo_public,
        name="gallery-photo-public",
    ),
    path(
        "galleries/<int:gallery_id>/photos/<int:photo_id>/original.jpg",
        views.gallery_photo_original,
        name="gallery-photo-original",
    ),
    path("api/faces/matches/<int:pk>/confirm", gallery_api.ConfirmMatchView.as_view(), name="face-match-confirm"),
    path("api/faces/matches/<int:pk>/reject", gallery_api.RejectMatchView.as_view(), name="face-match-reject"),
    path(
        "api/galleries/<int:gallery_id>/photos/<int:photo_id>/faces/<int:index>/assign",
        gallery_api.AssignFaceView.as_view(),
        name="gallery-face-assign",
    ),
    # Gallery pages (staff)
    path("galleries/", gallery_views.gallery_list, name="galleries"),
    path("galleries/<int:gallery_id>/", gallery_views.gallery_detail, name="gallery"),
    path("galleries/<int:gallery_id>/upload/", gallery_views.gallery_upload, name="gallery-upload"),
    path("galleries/<int:gallery_id>/process/", gallery_views.gallery_process, name="gallery-process"),
    path("galleries/<int:gallery_id>/retry/", gallery_views.gallery_retry, name="gallery-retry"),
    path("galleries/<int:gallery_id>/photos/<int:photo_id>/", gallery_views.gallery_photo, name="gallery-photo"),
    # The gallery page's live fragments (its script fetches them on each progress event)
    path("galleries/<int:gallery_id>/tiles", gallery_views.gallery_tiles, name="gallery-tiles"),
    path("galleries/<int:gallery_id>/results", gallery_views.gallery_results, name="gallery-results-fragment"),
    path("galleries/<int:gallery_id>/failed", gallery_views.gallery_failed, name="gallery-failed-fragment"),
    # Faces to review (staff): the page, its crops and its API
    path("review/", review_views.review_page, name="review"),
    path("review/faces/<int:pk>/crop", review_views.review_face_crop, name="review-face-crop"),
    path("api/review/groups", review_api.ReviewGroupsView.as_view(), name="review-groups"),
    path("api/review/groups/<int:pk>/assign", review_api.AssignGroupView.as_view(), name="review-group-assign"),
    path(
        "api/review/groups/<int:pk>/not-a-student",
        review_api.NotAStudentView.as_view(),
        name="review-group-not-a-student",
    ),
    path("api/review/groups/<int:pk>/ignore", review_api.IgnoreGroupView.as_view(), name="review-group-ignore"),
    path("api/review/groups/<int:pk>/reopen", review_api.ReopenGroupView.as_view(), name="review-group-reopen"),
    path("api/review/students", review_api.ReviewStudentsView.as_view(), name="review-students"),
]
