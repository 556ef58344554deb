"""E-mail through Django's e-mail API: SMTP in production (`EMAIL_HOST`, `EMAIL_PORT`, ... settings).

The provider id of a message is the `Message-ID` header given to it, made from the message's key so that a
retry after a lost answer carries the same id (mail systems drop the duplicate); the key also goes in the
`X-Motcua-Message` header. SMTP only says the server accepted the message: e-mails stay "sent".
"""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email

from motcua.notify.channels.base import ChannelAdapter, ProviderResult, register
from motcua.notify.models import Message

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def _sender_domain() -> str:
    address = parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1]
    return address.rpartition("@")[2] or "localhost"


def stable_msgid(message: Message) -> str:
    """The `Message-ID` of a message: the same on every attempt (the idempotency key of e-mail)."""
    return f"<{message.key}@{_sender_domain()}>"


@register
class EmailAdapter(ChannelAdapter):
    channel = "email"
    provider = "django"

    def send(self, message: Message) -> ProviderResult:
        try:
            validate_email(message.recipient)
        except ValidationError:
            return ProviderResult.rejected(
                f"invalid e-mail address {message.recipient!r}", retryable=False, contacted=False
            )
        message_id = stable_msgid(message)
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"Message-ID": message_id, "X-Motcua-Message": str(message.key)},
            connection=get_connection(fail_silently=False),
        )
        if email.send(fail_silently=False) != 1:
            return ProviderResult.rejected("the e-mail backend sent nothing", retryable=True)
        return ProviderResult.accepted(message_id)

    def check_configuration(self) -> list[str]:
        problems = []
        backend = str(settings.EMAIL_BACKEND)
        if backend == SMTP_BACKEND and not settings.EMAIL_HOST:
            problems.append("EMAIL_HOST is empty: there is no SMTP server to send through")
        if backend != SMTP_BACKEND and not settings.DEBUG:
            problems.append(f"EMAIL_BACKEND is {backend}: e-mails do not leave this machine")
        sender = parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1]
        if not sender or sender.endswith("@localhost"):
            problems.append("DEFAULT_FROM_EMAIL is not a real address (e.g. motcua <khong-tra-loi@tinh.gov.vn>)")
        return problems
