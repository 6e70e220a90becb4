from django.urls import path

from cameras import views

app_name = "cameras"

urlpatterns = [
    path("cameras/<int:pk>/live.mjpeg", views.live_stream, name="live"),
    path("cameras/<int:pk>/still.jpg", views.still, name="still"),
    path("classes/<str:code>/kiosk/", views.kiosk, name="kiosk"),
    path("classes/<str:code>/kiosk/students/<int:student_id>/photo.jpg", views.kiosk_photo, name="kiosk-photo"),
]
