from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "motcua.backoffice"
    label = "backoffice"
    verbose_name = _("Trang cán bộ")

    def ready(self) -> None:
        from motcua.backoffice import guard

        guard.protect_admin_site()
