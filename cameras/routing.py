from django.urls import path

from cameras.consumers import FrameConsumer

websocket_urlpatterns = [path("ws/frames/<str:code>/", FrameConsumer.as_asgi())]
