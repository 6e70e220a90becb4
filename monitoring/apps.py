from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        # The other apps announce what happened with their own signals; monitoring listens. They never import it.
        from monitoring import receivers, retention, worker_heartbeat

        receivers.connect()
        retention.connect()  # alert snapshots join the school's purge_expired
        worker_heartbeat.connect()  # Celery workers keep a heartbeat key in Redis; /health counts them
