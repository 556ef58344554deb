from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "motcua.clients"
    label = "clients"
    verbose_name = _("Ứng dụng kết nối API và webhook")

    def ready(self) -> None:
        from motcua.clients import webhooks

        webhooks.connect()
