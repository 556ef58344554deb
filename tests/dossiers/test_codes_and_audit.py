"""Dossier codes (pattern, daily reset, gap-free under concurrency) and the audit chain (tamper detection)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import override_settings

from motcua.core import audit, outbox
from motcua.core.errors import Conflict
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from tests.dossiers.conftest import World, at, submit_counter


def test_codes_are_per_agency_per_day_and_reset_daily(world: World) -> None:
    first = submit_counter(world, "2026-03-02 08:00")
    second = submit_counter(world, "2026-03-02 16:59")
    next_day = submit_counter(world, "2026-03-03 00:10")
    assert [first.code, second.code, next_day.code] == [
        "000.00.01.H21-260302-0001",
        "000.00.01.H21-260302-0002",
        "000.00.01.H21-260303-0001",
    ]


def test_a_failed_submission_gives_its_number_back(world: World, monkeypatch: Any) -> None:
    submit_counter(world, "2026-03-02 08:00")

    def broken_outbox(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("outbox unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(outbox, "emit", broken_outbox)
        with pytest.raises(RuntimeError):  # the whole submission rolls back, its number too
            submit_counter(world, "2026-03-02 08:05")
    assert not Dossier.objects.filter(code="000.00.01.H21-260302-0002").exists()
    assert submit_counter(world, "2026-03-02 08:10").code == "000.00.01.H21-260302-0002"


@override_settings(DOSSIER_CODE_PATTERN="{agency}-{date:%Y%m%d}-{seq:07d}")
def test_code_pattern_is_configurable(world: World) -> None:
    assert submit_counter(world, "2026-03-02 08:00").code == "000.00.01.H21-20260302-0000001"


def _in_threads(count: int, work: Any) -> list[Any]:
    """Run `work(index)` in `count` threads at once, each with its own database connection."""
    results: list[Any] = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # collected and asserted by the caller
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_receptions_get_unique_gap_free_codes(world: World) -> None:
    results = _in_threads(8, lambda i: submit_counter(world, "2026-03-02 09:00").code)
    assert all(isinstance(code, str) for code in results), results
    assert sorted(results) == [f"000.00.01.H21-260302-{n:04d}" for n in range(1, 9)]


@pytest.mark.django_db(transaction=True)
def test_two_officers_receiving_at_once_one_gets_a_conflict(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 08:55")
    second_officer = world.officer.__class__.objects.create(
        user=world.head.user.__class__.objects.create(username="tiepnhan2"), agency=world.centre
    )
    second_officer.roles.create(role="one_stop_officer")
    actors = [world.officer.user, second_officer.user]

    def receive(index: int) -> str:
        return str(services.dossier_receive(dossier=dossier, actor=actors[index], at=at("2026-03-02 09:00")).status)

    results = _in_threads(2, receive)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "str"], results
    assert [r for r in results if isinstance(r, str)] == ["received"]
    assert audit.AuditEvent.objects.filter(stream=f"dossier:{dossier.pk}", action="receive").count() == 1
    assert Dossier.objects.get(pk=dossier.pk).revision == 1


def test_stale_revision_is_a_conflict(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 08:55")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    with pytest.raises(Conflict):
        services.dossier_forward(dossier=dossier, actor=world.officer.user, expected_revision=0)
    assert Dossier.objects.get(pk=dossier.pk).status == "received"


def test_verify_audit_reports_a_tampered_event(world: World, capsys: Any) -> None:
    dossier = submit_counter(world, "2026-03-02 08:55")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
    call_command("verify_audit")
    assert "3 event(s) checked" in capsys.readouterr().out

    # someone edits the comment of the second event directly in the database
    table = audit.AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET comment = %s WHERE stream = %s AND seq = 2",  # noqa: S608 - table name from the model
            ["sửa lén", f"dossier:{dossier.pk}"],
        )
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_audit")
    assert f"dossier:{dossier.pk} event 2: content does not match its hash" in capsys.readouterr().err

    # and deletes an event in the middle of the chain
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE stream = %s AND seq = 2", [f"dossier:{dossier.pk}"])  # noqa: S608
    breaks = audit.verify(f"dossier:{dossier.pk}")
    assert [(b.seq, b.reason) for b in breaks] == [
        (3, "expected event 2 (missing or reordered)"),
        (3, "link to the previous event does not match"),
    ]


def test_audit_events_cannot_be_changed_through_the_orm(world: World) -> None:
    dossier = submit_counter(world, "2026-03-02 08:55")
    event = audit.AuditEvent.objects.get(stream=f"dossier:{dossier.pk}")
    event.comment = "khác"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
