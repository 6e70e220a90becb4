from django.urls import path

from recognition.consumers import GalleryConsumer

websocket_urlpatterns = [path("ws/galleries/<int:gallery_id>/", GalleryConsumer.as_asgi())]
