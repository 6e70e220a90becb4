from django.urls import path

from monitoring import api, views

app_name = "monitoring"

urlpatterns = [
    path("monitoring/alerts/<int:alert_id>/snapshot.jpg", views.alert_snapshot, name="alert-snapshot"),
    path("monitor/", views.monitor, name="monitor"),
    path("monitor/history", views.history, name="history"),
    path("monitor/alerts/<int:alert_id>/acknowledge", views.acknowledge_alert, name="acknowledge"),
    path("monitor/classrooms/<str:code>/", views.classroom, name="classroom"),
    path("health", api.HealthView.as_view(), name="health"),
    path("api/background/status", api.BackgroundStatusView.as_view(), name="background-status"),
    path("api/background/health", api.DetailedHealthView.as_view(), name="background-health"),
    path("api/background/start", api.StartAlertProcessingView.as_view(), name="background-start"),
    path("api/background/stop", api.StopAlertProcessingView.as_view(), name="background-stop"),
    path("api/background/restart", api.RestartAlertProcessingView.as_view(), name="background-restart"),
]
