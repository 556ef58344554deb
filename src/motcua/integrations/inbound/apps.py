from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboundConfig(AppConfig):
    name = "motcua.integrations.inbound"
    label = "inbound"
    verbose_name = _("Hồ sơ từ Cổng Dịch vụ công quốc gia")
