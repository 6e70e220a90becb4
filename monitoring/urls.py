from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("monitoring/alerts/<int:alert_id>/snapshot.jpg", views.alert_snapshot, name="alert-snapshot"),
]
