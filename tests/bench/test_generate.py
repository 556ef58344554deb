"""bench.generate: row counts, unique codes, the models' rules and constraints, distributions, determinism."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections import Counter
from typing import Any

import pytest
from bench.generate import GenerateResult, generate
from django.db import transaction
from django.db.models import Exists, F, Q

from motcua.dossiers.models import (
    FINISHED_STATUSES,
    DailySequence,
    Document,
    Dossier,
    DossierFee,
    SatisfactionRating,
    steps_elsewhere,
)
from motcua.payments.models import PaymentRequest
from motcua.results.models import ResultDocument
from tests.bench.conftest import COUNT, END, NOW, START, VN

pytestmark = pytest.mark.django_db

CODE_FIELDS = ("code", "status", "channel", "procedure_version__procedure__code", "received_at", "due_at")


def summary() -> dict[str, Any]:
    """What a run produced, without primary keys (sequences are not rolled back on PostgreSQL)."""
    rows = list(Dossier.objects.order_by("code").values_list(*CODE_FIELDS))
    return {
        "dossiers": hashlib.sha256(repr(rows).encode()).hexdigest(),
        "documents": Document.objects.count(),
        "fees": sorted(DossierFee.objects.values_list("dossier__code", "amount", "paid_at")),
        "payments": sorted(PaymentRequest.objects.values_list("dossier__code", "provider", "amount")),
        "results": sorted(ResultDocument.objects.values_list("dossier__code", "kind", "sha256")),
        "ratings": sorted(SatisfactionRating.objects.values_list("dossier__code", "total", "overall")),
    }


def test_counts_match_the_tables(generated: GenerateResult) -> None:
    assert generated.dossiers == COUNT == Dossier.objects.count()
    assert generated.documents == Document.objects.count()
    assert generated.fees == DossierFee.objects.count()
    assert generated.payments == PaymentRequest.objects.count()
    assert generated.results == ResultDocument.objects.count()
    assert generated.ratings == SatisfactionRating.objects.count()
    assert COUNT <= generated.documents <= 3 * COUNT
    assert generated.fees > 0 and generated.payments > 0 and generated.results > 0 and generated.ratings > 0
    assert generated.seconds > 0


def test_codes_unique_and_in_the_project_format(generated: GenerateResult) -> None:
    codes = list(Dossier.objects.values_list("code", "receiving_agency__code", "submitted_at"))
    assert len({code for code, _a, _s in codes}) == len(codes)
    for code, agency, submitted in codes:
        day = submitted.astimezone(VN).date()
        assert code.startswith(f"{agency}-{day:%y%m%d}-")
        assert len(code.rsplit("-", 1)[1]) == 4
    # the daily counters continue after the generated numbers
    for sequence in DailySequence.objects.all():
        numbers = [
            int(code.rsplit("-", 1)[1])
            for code in Dossier.objects.filter(
                receiving_agency_id=sequence.agency_id, code__contains=f"-{sequence.day:%y%m%d}-"
            ).values_list("code", flat=True)
        ]
        assert sorted(numbers) == list(range(1, sequence.last + 1))


def test_dossier_rules(generated: GenerateResult) -> None:
    dossiers = Dossier.objects.all()
    assert not dossiers.filter(received_at__lt=F("submitted_at")).exists()
    assert not dossiers.filter(status__in=["processed", "returned"], outcome="").exists()
    assert not dossiers.filter(status__in=["processed", "returned"], timeliness="").exists()
    assert not dossiers.exclude(status__in=["processed", "returned"]).exclude(outcome="").exists()
    assert not dossiers.filter(status="returned", returned_at__isnull=True).exists()
    assert not dossiers.filter(~Q(status="returned"), returned_at__isnull=False).exists()
    for dossier in dossiers:
        assert dossier.submitted_at <= dossier.created_at <= dossier.updated_at
        assert START <= (dossier.received_at or dossier.finished_at).astimezone(VN).date() <= END
        assert dossier.form_data == {}
        assert dossier.supplement_count in (0, 1, 2)
        assert dossier.supplement_during_processing <= dossier.supplement_count
        if dossier.status == "rejected":
            assert dossier.received_at is None and dossier.finished_at is not None and dossier.due_at is None
            continue
        assert dossier.received_at is not None and dossier.due_at is not None
        assert dossier.original_due_at == dossier.due_at and dossier.due_at > dossier.received_at
        local = dossier.received_at.astimezone(VN)
        assert dt.time(7) <= local.time() <= dt.time(17)
        if dossier.status in FINISHED_STATUSES:
            assert dossier.finished_at is not None and dossier.received_at <= dossier.finished_at <= NOW
            assert dossier.paused_at is None and dossier.status_before_pause == ""
        else:
            assert dossier.finished_at is None and dossier.timeliness == ""
        if dossier.status in ("awaiting_supplement", "awaiting_payment"):
            assert dossier.paused_at is not None and dossier.status_before_pause == "processing"
            assert dossier.received_at <= dossier.paused_at <= NOW
        else:
            assert dossier.paused_at is None and dossier.status_before_pause == ""
        if dossier.status == "awaiting_supplement":
            assert dossier.supplement_count >= 1
        if dossier.supplement_count and dossier.status in ("processed", "returned"):
            assert dossier.paused_minutes > 0
        if dossier.timeliness in ("early", "on_time"):
            assert dossier.finished_at <= dossier.due_at
        if dossier.finished_at and dossier.status in ("processed", "returned") and dossier.finished_at > dossier.due_at:
            assert dossier.timeliness == "late"
        if dossier.channel == "online":
            assert dossier.reception_due_at is not None and dossier.reception_due_at >= dossier.received_at
            assert dossier.reception_point_id is None
        else:
            assert dossier.reception_due_at is None
        assert dossier.receiving_agency.is_service_centre
        assert not dossier.competent_agency.is_service_centre
        assert len(dossier.applicant_name.split()) >= 3
        if dossier.applicant_kind == "citizen":
            assert len(dossier.applicant_id_number) == 12 and dossier.applicant_id_number.isdigit()


def test_related_rows(generated: GenerateResult) -> None:
    for dossier in Dossier.objects.prefetch_related("documents", "fees", "payment_requests", "results"):
        documents = list(dossier.documents.all())
        assert 1 <= len(documents) <= 3
        for document in documents:
            assert document.file.name.startswith("bench/") and document.file.name.endswith(".pdf")
            assert len(document.sha256) == 64
            assert document.digitised == (dossier.channel != "online")
            assert (
                document.copy_kind == "electronic"
                if dossier.channel == "online"
                else document.copy_kind != "electronic"
            )
        fees = list(dossier.fees.all())
        lines = list(dossier.procedure_version.fees.all())
        if dossier.status in ("rejected", "submitted"):
            assert fees == []
        else:
            assert len(fees) == len(lines)
        for payment in dossier.payment_requests.all():
            assert payment.state == "succeeded" and payment.finished and payment.paid_at is not None
            paid = list(payment.fees.all())
            assert paid and sum(fee.amount for fee in paid) == payment.amount
            assert all(fee.paid_at is not None and fee.dossier_id == dossier.pk for fee in paid)
            if payment.provider == "vnpay":
                assert dossier.channel == "online"
        for result in dossier.results.all():
            assert dossier.status in ("processed", "returned")
            assert result.state == "signed" and len(result.sha256) == 64 and result.signed_at is not None
    assert PaymentRequest.objects.values("reference").distinct().count() == PaymentRequest.objects.count()
    assert ResultDocument.objects.values("code").distinct().count() == ResultDocument.objects.count()
    for rating in SatisfactionRating.objects.select_related("dossier"):
        assert len(rating.scores) == 9 and all(score in (0, 1, 2) for score in rating.scores)
        assert rating.total == sum(rating.scores) <= 18
        assert rating.overall in SatisfactionRating.Overall.values
        assert rating.dossier.status in ("processed", "returned")


def test_distributions(generated: GenerateResult) -> None:
    dossiers = list(Dossier.objects.values("channel", "status", "received_at", "finished_at", "supplement_count"))
    total = len(dossiers)
    channels = Counter(d["channel"] for d in dossiers)
    assert 0.20 <= channels["online"] / total <= 0.50
    assert 0.45 <= channels["counter"] / total <= 0.75
    assert channels["postal"] / total <= 0.12
    received = [d["received_at"].astimezone(VN) for d in dossiers if d["received_at"]]
    weekdays = Counter(moment.weekday() for moment in received)
    assert weekdays[6] <= 0.02 * total
    assert all(weekdays[day] > weekdays[5] for day in range(5))
    old = [d for d in dossiers if (d["received_at"] or d["finished_at"]) < NOW - dt.timedelta(days=90)]
    finished = sum(d["status"] in FINISHED_STATUSES for d in old)
    assert finished / len(old) >= 0.85
    done = sum(d["status"] in ("processed", "returned") for d in old)
    assert 0.85 <= done / len(old) <= 0.99
    recent = [d for d in dossiers if d["received_at"] and d["received_at"] > NOW - dt.timedelta(days=7)]
    assert any(d["status"] not in FINISHED_STATUSES for d in recent)
    supplements = Counter(d["supplement_count"] for d in dossiers)
    assert supplements[0] / total >= 0.75
    timeliness = Counter(Dossier.objects.exclude(timeliness="").values_list("timeliness", flat=True))
    assert timeliness["late"] / sum(timeliness.values()) <= 0.15
    assert 0.15 <= generated.results / done_all() <= 0.45
    assert generated.ratings <= 0.25 * done_all()


def done_all() -> int:
    return Dossier.objects.filter(status__in=["processed", "returned"]).count()


# `uploaded_by` is null=True without blank=True: staff uploads always name someone, generated rows name nobody
UPLOADER = ["uploaded_by"]


def test_full_clean_on_a_sample(generated: GenerateResult) -> None:
    for dossier in Dossier.objects.order_by("code")[:20]:
        dossier.full_clean()
        for document in dossier.documents.all():
            document.full_clean(exclude=UPLOADER)
        for fee in dossier.fees.all():
            fee.full_clean()
    for payment in PaymentRequest.objects.all()[:20]:
        payment.full_clean()
    for result in ResultDocument.objects.all()[:20]:
        result.full_clean(exclude=UPLOADER)
    for rating in SatisfactionRating.objects.all()[:20]:
        rating.full_clean()


def test_same_seed_same_dossiers(generated: GenerateResult) -> None:
    runs = []
    for _ in range(2):
        with transaction.atomic():
            result = generate(120, seed=11, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), now=NOW, batch=50)
            runs.append((result.dossiers, result.documents, result.fees, summary()))
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    with transaction.atomic():
        generate(120, seed=12, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), now=NOW, batch=50)
        assert summary() != runs[0][3]
        transaction.set_rollback(True)


def test_second_run_continues_the_codes(generated: GenerateResult) -> None:
    before = set(Dossier.objects.values_list("code", flat=True))
    result = generate(150, seed=7, start=START, end=END, now=NOW, batch=1000)
    after = list(Dossier.objects.values_list("code", flat=True))
    assert len(after) == len(set(after)) == len(before) + result.dossiers


def test_steps_follow_the_dossier(generated: GenerateResult) -> None:
    from motcua.dossiers.models import OPEN_STATUSES, DossierStep

    assert generated.steps == DossierStep.objects.count() > 0
    # one active step at most per dossier (a database constraint) and it is the dossier's current step
    active = DossierStep.objects.filter(state=DossierStep.State.ACTIVE)
    assert active.count() == Dossier.objects.filter(current_step__state=DossierStep.State.ACTIVE).count()
    received = Dossier.objects.exclude(received_at=None)
    # every received dossier has its reception step first, at the receiving agency
    firsts = DossierStep.objects.filter(sequence=1)
    assert firsts.count() == received.count()
    assert not firsts.exclude(role="one_stop_officer").exists()
    assert not firsts.exclude(agency_id=F("dossier__receiving_agency_id")).exists()
    # open dossiers that were received work on an active step; finished ones have none
    open_received = received.filter(status__in=OPEN_STATUSES)
    assert not open_received.exclude(current_step__state=DossierStep.State.ACTIVE).exists()
    assert not Dossier.objects.exclude(status__in=OPEN_STATUSES).filter(steps__state="active").exists()
    # processed dossiers went through every step, in time order
    for dossier in Dossier.objects.filter(status__in=["processed", "returned"])[:40]:
        steps = list(dossier.steps.order_by("sequence"))
        assert steps and all(s.state == "done" and s.finished_at is not None for s in steps)
        assert steps[-1].finished_at == dossier.finished_at
        assert all(a.finished_at <= b.started_at + dt.timedelta(seconds=1) for a, b in itertools.pairwise(steps))
    # active steps wait in the queue of their role or are assigned to staff of the step's agency and role
    for step in active.exclude(assignee=None).select_related("assignee")[:40]:
        assert step.assignee.agency_id == step.agency_id
        assert step.role in step.assignee.role_set
    # dossiers with a step at a third agency carry the flag the visibility test relies on, and only they
    crossing = set(Dossier.objects.filter(Exists(steps_elsewhere())).values_list("pk", flat=True))
    assert set(Dossier.objects.filter(crosses_agencies=True).values_list("pk", flat=True)) == crossing


def test_history_is_a_valid_audit_chain(generated: GenerateResult) -> None:
    from motcua.core.audit import AuditEvent, verify_events

    events = AuditEvent.objects.filter(stream__startswith="dossier:")
    assert generated.events == events.count() > generated.dossiers
    assert list(verify_events(events.order_by("stream", "seq"))) == []
    for dossier in Dossier.objects.order_by("pk")[:60]:
        trail = list(AuditEvent.objects.filter(stream=f"dossier:{dossier.pk}").order_by("seq"))
        assert trail[0].action == "submit"
        assert trail[-1].to_status == dossier.status
        assert [e.at for e in trail] == sorted(e.at for e in trail)
        # the statuses chain: each event starts where the previous one ended
        assert all(b.from_status == a.to_status for a, b in itertools.pairwise(trail))
        if dossier.status in ("processed", "returned"):
            assert "approve" in [e.action for e in trail]
        requests = sum(e.action == "request_supplement" for e in trail)
        assert requests == (dossier.supplement_count if dossier.received_at else 0)


def test_officers_find_their_work(generated: GenerateResult) -> None:
    """An officer's inbox holds the generated dossiers assigned to them or waiting in their role's queue."""
    from motcua.dossiers.models import DossierStep
    from motcua.dossiers.process import candidates
    from motcua.dossiers.selectors import inbox

    found = 0
    for step in DossierStep.objects.filter(state="active", dossier__status__in=["processing", "received"])[:20]:
        holder = step.assignee or next(iter(candidates(agency=step.agency, role=step.role, unit=step.unit)), None)
        if holder is None:
            continue
        work = inbox(holder.user, now=NOW, limit=10_000)
        assert step.dossier_id in {d.pk for d in work.to_do}
        found += 1
    assert found
