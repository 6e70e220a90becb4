from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        # The other apps announce what happened with their own signals; monitoring listens. They never import it.
        from monitoring import receivers

        receivers.connect()
