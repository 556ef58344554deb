from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NationalPortalConfig(AppConfig):
    name = "motcua.integrations.national_portal"
    label = "national_portal"
    verbose_name = _("Đồng bộ Cổng Dịch vụ công quốc gia")

    def ready(self) -> None:
        from motcua.integrations.national_portal import sync

        sync.connect()
