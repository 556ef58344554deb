"""Writes of the notify app: queue messages for an event, send one message, record delivery receipts.

Delivery goes through the outbox in two hops, both run by the relay (`core.outbox.relay_pending`, in Celery
or `manage.py relay_outbox`; no Celery task of its own):

1. A source event (`dossier.receive`, `account.code`, `staff.alert`, ...; see `handlers`) is turned into
   `Message` rows, rendered from the templates, one per channel and recipient: idempotent on (source event
   key, channel, recipient), so a source event handled twice never makes a message twice. Each new message
   gets a `notify.send` outbox event.
2. `notify.send` sends one message through its channel's adapter (`message_send`).

A failed send is recorded on the message (attempts, error) and its next attempt is scheduled as a new
`notify.send` event, with the outbox's back-off (10 s, doubling, at most an hour); after
`MOTCUA_OUTBOX_MAX_ATTEMPTS` attempts, or at once when the provider says the failure is final, the message is
`failed`. (The handler does not raise for a failed send: the outbox rolls back the database work of a handler
that raises, so the attempt could not be recorded on the message. Unexpected errors still raise and get the
outbox's own retries and dead letter.) Over a channel's rate limit the message stays queued and is tried again
in the next minute, without counting an attempt. Each channel is a destination of the shared reliable delivery
(`motcua.integrations.delivery`, destinations "email", "sms", "zalo") with its circuit breaker: after
`MOTCUA_DELIVERY_CIRCUIT_THRESHOLD` consecutive failures of the provider the circuit opens, and the messages
wait (queued, no attempt counted, nothing sent) until the cool-down lets one probe through; a success closes
it and they all go. The message's key is its idempotency key (`request_id` of the SMS gateway, `tracking_id`
of Zalo ZNS, the e-mail's `Message-ID`): a retry after a lost answer is not a second message. In test mode
(`MOTCUA_NOTIFY_TEST_MODE`) nothing goes out: the message is recorded as sent by the provider "test-mode".
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from motcua.core import outbox, ratelimit
from motcua.core.audit import AuditEvent
from motcua.core.text import person_name
from motcua.dossiers.models import Dossier
from motcua.integrations import delivery
from motcua.integrations.models import Destination
from motcua.notify import channels, defaults
from motcua.notify.channels.base import ProviderResult
from motcua.notify.models import Channel, Event, Language, Message, MessageTemplate
from motcua.notify.rendering import format_amount, format_datetime, render

logger = logging.getLogger(__name__)

SEND_TOPIC = "notify.send"
TEST_MODE_PROVIDER = "test-mode"
REDACTED = "••••••"
DEFAULT_RATES: dict[str, int] = {Channel.EMAIL: 120, Channel.SMS: 60, Channel.ZALO: 60}
RATE_WINDOW_SECONDS = 60


# --- settings ----------------------------------------------------------------------------------------------


def test_mode() -> bool:
    """True when nothing may go out (`MOTCUA_NOTIFY_TEST_MODE`, default on when DEBUG is on)."""
    return bool(getattr(settings, "MOTCUA_NOTIFY_TEST_MODE", settings.DEBUG))


def rate_limit(channel: str) -> int:
    """Messages per minute allowed on `channel` (`MOTCUA_NOTIFY_RATE_<CHANNEL>`); 0 means no limit."""
    return int(getattr(settings, f"MOTCUA_NOTIFY_RATE_{channel.upper()}", DEFAULT_RATES.get(channel, 0)) or 0)


def _backoff(attempts: int) -> dt.timedelta:
    """The outbox's back-off: 10 s after the first failure, then doubling, at most an hour."""
    return dt.timedelta(seconds=min(3600, 5 * 2**attempts))


# --- templates ---------------------------------------------------------------------------------------------


def templates_ensure_defaults() -> int:
    """Create the default templates that are missing (never changes an edited one); returns how many."""
    return defaults.ensure(MessageTemplate)


def template_for(*, event: str, channel: str, language: str) -> MessageTemplate | None:
    """The active template of (event, channel) in `language`, else in Vietnamese, else None."""
    found = {
        template.language: template
        for template in MessageTemplate.objects.filter(
            event=event, channel=channel, is_active=True, language__in={language, Language.VI}
        )
    }
    return found.get(language) or found.get(Language.VI)


# --- queueing ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    channel: str
    address: str
    language: str = Language.VI


ContextFor = Callable[[str], Mapping[str, Any]]


def _schedule(message: Message, at: dt.datetime | None = None) -> None:
    """Give `message` a `notify.send` outbox event, due at `at` (default now); older ones become stale."""
    event = outbox.emit(SEND_TOPIC, subject=message.dossier_code, payload={"message": message.pk})
    if at is not None:
        event.available_at = at
        event.save(update_fields=["available_at"])
    message.send_event_key = event.key
    message.next_attempt_at = event.available_at


def message_queue(
    *,
    event: str,
    recipients: Iterable[Recipient],
    context: ContextFor,
    source_key: uuid.UUID,
    dossier_code: str = "",
    at: dt.datetime | None = None,
    secret: str = "",
) -> list[Message]:
    """Render and queue one message per recipient that has an active template, and schedule its sending.

    Idempotent: a (source_key, channel, address) that already has a message is skipped. `context(language)`
    gives the template context in a language; `secret` (a verification code) is blanked out of the stored
    text once the message is sent or failed; `at` is when the sending is due (default now).
    """
    queued: list[Message] = []
    for recipient in recipients:
        address = recipient.address.strip()
        template = template_for(event=event, channel=recipient.channel, language=recipient.language)
        if not address or template is None:
            continue
        if template.channel == Channel.ZALO and not template.provider_template_id:
            try:
                needs_id = channels.adapter_for(Channel.ZALO).needs_provider_template
            except Exception:  # an unknown provider: the message will fail and say why
                needs_id = False
            if needs_id:
                continue
        values = context(template.language)
        provider_data: dict[str, Any] = {}
        if template.channel == Channel.ZALO:
            provider_data = {
                "template_id": template.provider_template_id,
                "template_data": {name: str(values.get(str(var), "")) for name, var in template.parameters.items()},
            }
        if secret:
            provider_data["redact"] = secret
        message, created = Message.objects.get_or_create(
            source_event_key=source_key,
            channel=template.channel,
            recipient=address,
            defaults={
                "event": event,
                "language": template.language,
                "subject": render(template.subject, values)[:255] if template.channel == Channel.EMAIL else "",
                "body": render(template.body, values),
                "provider_data": provider_data,
                "dossier_code": dossier_code,
            },
        )
        if created:
            _schedule(message, at)
            message.save(update_fields=["send_event_key", "next_attempt_at"])
            queued.append(message)
    return queued


# --- sending -----------------------------------------------------------------------------------------------


def _redact(message: Message) -> None:
    secret = (message.provider_data or {}).pop("redact", "")
    if secret:
        message.subject = message.subject.replace(secret, REDACTED)
        message.body = message.body.replace(secret, REDACTED)
        data = message.provider_data.get("template_data")
        if isinstance(data, dict):
            message.provider_data["template_data"] = {k: str(v).replace(secret, REDACTED) for k, v in data.items()}


# A provider's error often names the recipient (SMTP: "{'an@example.vn': (550, ...)}"; SMS gateways echo the
# number): the logs get the text with e-mail addresses and phone numbers masked (docs/security.md).
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_IN_TEXT = re.compile(r"\+?\d[\d .-]{7,}\d")


def _loggable(text: str, message: Message) -> str:
    masked = text.replace(message.recipient, REDACTED) if message.recipient else text
    return _PHONE_IN_TEXT.sub(REDACTED, _EMAIL_IN_TEXT.sub(REDACTED, masked))


def _next_window(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(seconds=max(1.0, RATE_WINDOW_SECONDS - time.time() % RATE_WINDOW_SECONDS))


def _circuit_note(destination: Destination, result: ProviderResult, now: dt.datetime) -> None:
    """The channel's circuit learns how the call went: an answer (even a final "no") means the provider is up."""
    if result.ok or (result.contacted and not result.retryable):
        delivery.circuit_success(destination, now=now)
    elif result.contacted:
        delivery.circuit_failure(destination, now=now, error=result.error)
    else:
        delivery.circuit_release(destination, now=now)


_SEND_FIELDS = [
    "status",
    "attempts",
    "provider",
    "provider_message_id",
    "error",
    "next_attempt_at",
    "sent_at",
    "subject",
    "body",
    "provider_data",
    "send_event_key",
]


@transaction.atomic
def message_send(*, message_id: int, send_event_key: uuid.UUID | None = None) -> Message:
    """Send a queued message once: record the result, or schedule the next attempt, or mark it failed.

    A message that is no longer queued, or a `send_event_key` other than the one the message waits for (a
    stale or repeated `notify.send` event), does nothing.
    """
    message = Message.objects.select_for_update().get(pk=message_id)
    if message.status != Message.Status.QUEUED:
        return message
    if send_event_key is not None and message.send_event_key not in (None, send_event_key):
        return message
    now = timezone.now()
    if test_mode():
        message.attempts += 1
        result = ProviderResult.accepted(TEST_MODE_PROVIDER)
        message.provider = TEST_MODE_PROVIDER
    else:
        limit = rate_limit(message.channel)
        if limit > 0 and not ratelimit.hit("notify", message.channel, limit=limit, window_seconds=RATE_WINDOW_SECONDS):
            _schedule(message, _next_window(now))  # stays queued; not an attempt
            message.error = f"rate limit of {limit} per minute reached"
            message.save(update_fields=["send_event_key", "next_attempt_at", "error"])
            return message
        destination = delivery.destination_get(message.channel)
        try:
            delivery.circuit_allow(destination, now=now)
        except delivery.CircuitOpen as exc:  # the channel is failing: wait for the circuit, not an attempt
            _schedule(message, exc.until)
            message.error = str(exc)
            message.save(update_fields=["send_event_key", "next_attempt_at", "error"])
            return message
        message.attempts += 1
        try:
            adapter = channels.adapter_for(message.channel)
            message.provider = adapter.name
            result = adapter.send(message)
        except Exception as exc:  # a provider's failure, whatever its kind, is one failed attempt
            logger.warning("notify: sending message %s failed: %s", message.pk, _loggable(f"{exc}", message))
            result = ProviderResult.rejected(f"{type(exc).__name__}: {exc}", retryable=True)
        _circuit_note(destination, result, now)
    message.send_event_key = None
    message.next_attempt_at = None
    if result.ok:
        message.status = Message.Status.SENT
        message.provider_message_id = result.provider_message_id[:255]
        message.sent_at = now
        message.error = ""
        _redact(message)
    elif result.retryable and message.attempts < outbox.max_attempts():
        message.error = result.error[:2000]
        _schedule(message, now + _backoff(message.attempts))
    else:
        message.status = Message.Status.FAILED
        message.error = result.error[:2000]
        _redact(message)
        logger.error(
            "notify: message %s failed after %s attempts: %s",
            message.pk,
            message.attempts,
            _loggable(result.error, message),
        )
    message.save(update_fields=_SEND_FIELDS)
    return message


def message_mark_delivered(provider: str, provider_message_id: str, *, at: dt.datetime | None = None) -> int:
    """A delivery receipt: the sent message `provider_message_id` of `provider` reached its recipient.

    `provider` is the adapter's name stored on the message ("sms.http", "zalo.zns", "sms.simulator").
    Returns how many messages changed (0 for an unknown id or a repeated receipt).
    """
    if not provider_message_id:
        return 0
    return Message.objects.filter(
        provider=provider, provider_message_id=provider_message_id, status=Message.Status.SENT
    ).update(status=Message.Status.DELIVERED, delivered_at=at or timezone.now())


@transaction.atomic
def message_resend(*, message: Message) -> Message:
    """Queue a failed message again with a fresh count of attempts (the admin's "Gửi lại")."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status != Message.Status.FAILED or message.event == Event.VERIFICATION_CODE:
        return message  # a verification code is never resent: its text was blanked out, and a new code is asked
    message.status = Message.Status.QUEUED
    message.attempts = 0
    _schedule(message)
    message.save(update_fields=["status", "attempts", "send_event_key", "next_attempt_at"])
    return message


# --- what an event means for whom --------------------------------------------------------------------------


def _profile(user: Any) -> Any:
    return getattr(user, "profile", None) if user is not None else None


def language_of(user: Any) -> str:
    """The preferred language of an account's profile, when it has one; Vietnamese otherwise."""
    language = getattr(_profile(user), "preferred_language", "")
    return language if language in Language.values else Language.VI


def _channels_chosen(user: Any) -> set[str] | None:
    """The channels an account chose to be notified on (`profile.notify_channels`), None when unknown."""
    chosen = getattr(_profile(user), "notify_channels", None)
    if isinstance(chosen, list) and all(isinstance(item, str) for item in chosen):
        return set(chosen)
    return None


def _public_url(path_name: str, fallback: str, **kwargs: str) -> str:
    try:
        path = reverse(path_name, kwargs=kwargs or None)
    except NoReverseMatch:
        path = fallback
    return str(getattr(settings, "MOTCUA_PUBLIC_URL", "")).rstrip("/") + path


def dossier_url(code: str) -> str:
    """The public tracking page of a dossier (the same address as the QR code of the receipt)."""
    return _public_url("portal:lookup", "/tra-cuu/") + "?code=" + quote(code)


def dossier_recipients(dossier: Dossier) -> list[Recipient]:
    """The applicant's e-mail and phone (SMS, Zalo): from the dossier, else from the account's profile.

    The language is the account's preferred one; the channels those the account chose, when it chose.
    """
    profile = _profile(dossier.account)
    language = language_of(dossier.account)
    email = dossier.applicant_email or str(getattr(profile, "email", "") or "")
    phone = dossier.applicant_phone or str(getattr(profile, "phone", "") or "")
    wanted = [(Channel.EMAIL, email), (Channel.SMS, phone), (Channel.ZALO, phone)]
    chosen = _channels_chosen(dossier.account)
    return [
        Recipient(channel, address, language)
        for channel, address in wanted
        if address and (chosen is None or channel in chosen)
    ]


def _latest_comment(dossier: Dossier, action: str) -> str:
    comment = (
        AuditEvent.objects.filter(stream=f"dossier:{dossier.pk}", action=action)
        .order_by("-seq")
        .values_list("comment", flat=True)
        .first()
    )
    return comment or ""


def dossier_context(dossier: Dossier, event: str, payload: Mapping[str, Any], language: str) -> dict[str, Any]:
    """The template context of a dossier event in `language` (see `rendering.CONTEXT_VARIABLES`)."""
    due = payload.get("new_due_at") or payload.get("due_at") or dossier.due_at
    reason = str(payload.get("reason", "") or "")
    if not reason and event == Event.SUPPLEMENT_REQUESTED:
        reason = _latest_comment(dossier, "request_supplement")
    elif not reason and event == Event.PAYMENT_REQUESTED:
        reason = _latest_comment(dossier, "request_payment")
    elif not reason and event == Event.EXTENSION:
        reason = dossier.extension_reason
    elif not reason and event == Event.RESULT_READY:
        reason = dossier.outcome_reason
    codes = [str(code) for code in payload.get("components", []) or []]
    names = dict(dossier.procedure_version.components.filter(code__in=codes).values_list("code", "name"))
    outcome = str(payload.get("outcome", "") or dossier.outcome or "")
    amount = payload.get("amount")
    amount_text = format_amount(int(amount), language) if isinstance(amount, int | str) and str(amount) else ""
    return {
        "code": dossier.code,
        "procedure": dossier.procedure_version.name,
        "applicant_name": dossier.applicant_name,
        "due_at": format_datetime(due, language),
        "old_due_at": format_datetime(payload.get("old_due_at"), language),
        "reason": reason,
        "components": ", ".join(names.get(code, code) for code in codes),
        "amount": amount_text,
        "outcome": defaults.OUTCOMES.get(outcome, {}).get(language, ""),
        "url": dossier_url(dossier.code),
    }


def dossier_notify(
    *,
    dossier: Dossier,
    event: str,
    source_key: uuid.UUID,
    payload: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> list[Message]:
    """Tell the applicant of `dossier` about `event` on each channel they can be reached on.

    Also the entry point for reminders (`Event.REMINDER`, with a `reason` in `payload`): pass a fresh
    `source_key` per reminder, or the same one to make a repeated call harmless.
    """
    data = dict(payload or {})
    return message_queue(
        event=event,
        recipients=dossier_recipients(dossier),
        context=lambda language: dossier_context(dossier, event, data, language),
        source_key=source_key,
        dossier_code=dossier.code,
        at=at,
    )


def verification_code_send(
    *,
    channel: str,
    recipient: str,
    code: str,
    purpose: str,
    language: str,
    source_key: uuid.UUID,
    at: dt.datetime | None = None,
) -> list[Message]:
    """Send a one-time code (`account.code`) by SMS or e-mail; the code is blanked out once sent."""
    if channel not in (Channel.SMS, Channel.EMAIL):
        logger.warning("notify: verification code on unknown channel %r ignored", channel)
        return []
    language = language if language in Language.values else Language.VI

    def context(lang: str) -> dict[str, Any]:
        return {"verification_code": code, "purpose": defaults.PURPOSES.get(purpose, {}).get(lang, "")}

    return message_queue(
        event=Event.VERIFICATION_CODE,
        recipients=[Recipient(channel, recipient, language)],
        context=context,
        source_key=source_key,
        at=at,
        secret=code,
    )


def staff_alert_send(
    *, username: str, kind: str, code: str, due_at: str, source_key: uuid.UUID, at: dt.datetime | None = None
) -> list[Message]:
    """E-mail a deadline alert (`staff.alert`) to the staff member `username`, when they have an address."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not getattr(user, "email", ""):
        return []
    dossier = Dossier.objects.select_related("procedure_version").filter(code=code).first()

    def context(language: str) -> dict[str, Any]:
        return {
            "staff_name": person_name(user),
            "alert": defaults.ALERTS.get(kind, {}).get(language, kind),
            "code": code,
            "procedure": dossier.procedure_version.name if dossier is not None else "",
            "due_at": format_datetime(due_at, language),
            "url": _public_url("backoffice:dossier", "/can-bo/ho-so/" + quote(code) + "/", code=code),
        }

    return message_queue(
        event=Event.STAFF_ALERT,
        recipients=[Recipient(Channel.EMAIL, str(user.email), language_of(user))],
        context=context,
        source_key=source_key,
        dossier_code=code,
        at=at,
    )
