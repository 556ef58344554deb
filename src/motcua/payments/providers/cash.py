"""Cash at the counter (tiền mặt tại Bộ phận Một cửa): recorded by the one-stop officer, nothing to configure."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from motcua.payments.providers import PaymentProvider, register


class CashProvider(PaymentProvider):
    code = "cash"
    label = _("Tiền mặt tại Bộ phận Một cửa")
    online = False


PROVIDER = CashProvider()
register(PROVIDER)
