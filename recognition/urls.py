from django.urls import path

from recognition import api, views

app_name = "recognition"

urlpatterns = [
    path("api/students/<int:student_id>/faces", api.StudentFacesView.as_view(), name="student-faces"),
    path("api/faces/<int:pk>", api.FacePhotoDetailView.as_view(), name="face-photo"),
    path("api/recognize", api.RecognizeView.as_view(), name="recognize"),
    path("recognition/faces/<int:pk>/image", views.face_photo_image, name="face-photo-image"),
]
