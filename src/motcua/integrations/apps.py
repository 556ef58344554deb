from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "motcua.integrations"
    label = "integrations"
    verbose_name = _("Kết nối hệ thống ngoài")

    def ready(self) -> None:
        from motcua.integrations.post import handlers, tasks  # noqa: F401  tasks: registers the Celery task

        handlers.connect()
