"""Commands run in a subprocess against a fault test's scratch database: `python -m tests.faults.scratch ...`.

Each prints one line of JSON. `webhooks <n> <url> <secret>` subscribes a receiver and queues `n` webhook
deliveries (one `webhook.deliver` outbox event each); `outbox [<seconds>]` waits up to that long for the
outbox to drain and reports what it holds; `dossiers` lists the dossiers and their submission keys;
`seed` writes a small province with a citizen and prints the body of a valid online submission.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections import Counter
from typing import Any

import django


def webhooks(count: int, url: str, secret: str) -> dict[str, Any]:
    from django.db import transaction

    from motcua.clients import webhooks as hooks
    from motcua.clients.models import WebhookDelivery, WebhookSubscription
    from motcua.core import outbox

    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            name="Máy nhận thử (fault test)", url=url, secret=secret, topics=["dossier.*"]
        )
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                subscription=subscription,
                event_key=key,
                topic="dossier.submitted",
                body=json.dumps({"id": str(key), "topic": "dossier.submitted", "data": {"n": n}}),
            )
            for n, key in enumerate(uuid.uuid4() for _ in range(count))
        )
        outbox.emit_many(hooks.DELIVER_TOPIC, ((f"FAULT-{d.pk}", {"delivery": d.pk}) for d in deliveries))
    return {"keys": [str(d.event_key) for d in deliveries]}


def outbox_state(seconds: float = 0) -> dict[str, Any]:
    from motcua.clients.models import WebhookDelivery
    from motcua.core.outbox import OutboxEvent, OutboxReceipt

    deadline = time.monotonic() + seconds
    while OutboxEvent.objects.filter(state=OutboxEvent.State.PENDING).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    receipts = Counter(OutboxReceipt.objects.values_list("event_id", "handler"))
    return {
        "events": dict(Counter(OutboxEvent.objects.values_list("state", flat=True))),
        "attempts": dict(Counter(str(a) for a in OutboxEvent.objects.values_list("attempts", flat=True))),
        "receipts": sum(receipts.values()),
        "receipts_max_per_event": max(receipts.values(), default=0),
        "events_without_receipt": OutboxEvent.objects.filter(receipts__isnull=True).count(),
        "unattempted": OutboxEvent.objects.filter(state=OutboxEvent.State.PENDING, attempts=0).count(),
        "deliveries": dict(Counter(WebhookDelivery.objects.values_list("status", flat=True))),
        "errors": sorted({e for e in OutboxEvent.objects.exclude(last_error="").values_list("last_error", flat=True)})[
            :5
        ],
    }


CITIZEN = ("congdan1", "MotCua@2026")


def seed() -> dict[str, Any]:
    """A province, an agency, a procedure open online without required documents, a citizen; the body of a
    valid online submission (the demo province takes half a minute to load, this a second)."""
    from motcua.catalog.models import Component
    from motcua.org.models import Agency
    from tests.factories import AgencyFactory, CommuneFactory, ProvinceFactory, UserFactory, make_version

    province = ProvinceFactory()
    ward = CommuneFactory(code="23425", name="Phường Pleiku", parent=province)
    committee = AgencyFactory(
        code="000.00.00.H21",
        name="Ủy ban nhân dân tỉnh",
        kind=Agency.Kind.PEOPLES_COMMITTEE,
        administrative_unit=province,
    )
    department = AgencyFactory(code="000.00.02.H21", name="Sở Tư pháp", parent=committee, administrative_unit=province)
    version = make_version(name="Cấp Phiếu lý lịch tư pháp", agencies=[department], components=0, publish=False)
    Component.objects.create(version=version, code="TP1", name="Giấy tờ khác", required=False, copy_kinds=["original"])
    from motcua.catalog.services import procedure_version_publish

    procedure_version_publish(version=version)
    UserFactory(username=CITIZEN[0], password=CITIZEN[1])
    address = {"ward_code": int(ward.code), "line": "12 Lê Lợi, tổ 3"}
    return {
        "procedure": version.procedure.code,
        "agency": department.code,
        "channel": "online",
        "applicant": {
            "kind": "citizen",
            "full_name": "Lê Thị Hồng Nhung",
            "id_number": "052090001234",
            "birth_date": "1990-05-17",
            "phone": "0905123456",
            "email": "congdan1@example.vn",
            "address": address,
        },
        "form": {},
        "documents": [],
        "delivery": {"method": "online"},
    }


def dossiers() -> dict[str, Any]:
    from motcua.api.models import IdempotencyRecord
    from motcua.dossiers.models import Dossier

    return {
        "codes": sorted(Dossier.objects.values_list("code", flat=True)),
        "idempotency": sorted(IdempotencyRecord.objects.values_list("key", flat=True)),
    }


def main(argv: list[str]) -> None:
    django.setup()
    command, *args = argv
    if command == "webhooks":
        answer = webhooks(int(args[0]), args[1], args[2])
    elif command == "outbox":
        answer = outbox_state(float(args[0]) if args else 0)
    elif command == "seed":
        answer = seed()
    elif command == "dossiers":
        answer = dossiers()
    else:
        raise SystemExit(f"unknown command {command!r}")
    sys.stdout.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
