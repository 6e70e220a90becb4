from django.urls import path

from monitoring.consumers import MonitorConsumer

websocket_urlpatterns = [
    path("ws/monitor/", MonitorConsumer.as_asgi()),
    path("ws/monitor/cameras/<int:camera_id>/", MonitorConsumer.as_asgi()),
]
