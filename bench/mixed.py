"""A mixed workload for `BENCH_MIXED_SECONDS` (default 600): `BENCH=mixed DATABASE_URL=postgres://... make bench`.

Simulated people, each in a loop with a think time of 0.2–1.0 s between requests:
- citizens browsing (`BENCH_MIXED_BROWSING`, default 12): home, catalogue, a procedure, the public lookup;
- citizens submitting (`BENCH_MIXED_SUBMITTING`, default 4): `POST /api/v1/dossiers`, then its status;
- officers (`BENCH_MIXED_OFFICERS`, default 6): inbox, the agency's list, a dossier page, a forward;
- monitors (`BENCH_MIXED_MONITORS`, default 2): the back-office dashboard and `/api/v1/stats/summary`.

It counts the dossiers before and after and checks that every accepted submission (201) is in the database
and that nothing else appeared or vanished; any answer other than the expected one is an error. Results per
kind of request on stdout and in `var/bench-mixed.json`.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from bench.http import (
    PASSWORD,
    ROOT,
    Fixtures,
    Result,
    Server,
    Session,
    format_row,
    prepare,
    submit_dossier,
    summarise,
)

Step = Callable[[Session], Awaitable[None]]


class Recorder:
    def __init__(self) -> None:
        self.samples: dict[str, list[tuple[float, int, str]]] = {}
        self.accepted: list[str] = []

    async def call(
        self, session: Session, name: str, method: str, path: str, *, expect: tuple[int, ...] = (200,), **kw: Any
    ) -> tuple[int, str]:
        begin = time.perf_counter()
        try:
            status, body = await session.request(method, path, **kw)
            error = "" if status in expect else f"{method} {path} → {status} {body[:160]}"
        except Exception as exc:  # a failed request is measured, not fatal
            status, body, error = 0, "", f"{method} {path} → {type(exc).__name__}: {exc}"[:200]
        self.samples.setdefault(name, []).append(((time.perf_counter() - begin) * 1000, status, error))
        return status, body


def people(fixtures: Fixtures, recorder: Recorder, procedures: list[str]) -> dict[str, tuple[str, Step]]:
    pool = list(fixtures.forward_pool)
    submission = fixtures.submission

    async def browse(session: Session) -> None:
        choice = random.random()
        if choice < 0.25:
            await recorder.call(session, "home", "GET", "/")
        elif choice < 0.45:
            await recorder.call(session, "catalogue", "GET", "/thu-tuc/?q=dang+ky")
        elif choice < 0.75:
            await recorder.call(session, "procedure", "GET", f"/thu-tuc/{random.choice(procedures)}/")
        else:
            code, number = random.choice(fixtures.lookup_pairs)
            address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
            await recorder.call(
                session,
                "lookup",
                "GET",
                f"/api/v1/lookup?code={code}&id_number={number}",
                headers={"X-Forwarded-For": address},
            )

    async def submit(session: Session) -> None:
        begin = time.perf_counter()
        try:
            status, body = await submit_dossier(session, submission)
            error = "" if status == 201 else f"submit → {status} {body[:160]}"
        except Exception as exc:  # a failed request is measured, not fatal
            status, body, error = 0, "", f"submit → {type(exc).__name__}: {exc}"[:200]
        recorder.samples.setdefault("submit (uploads + dossier)", []).append(
            ((time.perf_counter() - begin) * 1000, status, error)
        )
        if status == 201:
            code = json.loads(body)["code"]
            recorder.accepted.append(code)
            await recorder.call(session, "my_dossier", "GET", f"/api/v1/dossiers/{code}")

    async def officer(session: Session) -> None:
        choice = random.random()
        if choice < 0.3:
            await recorder.call(session, "inbox", "GET", "/can-bo/")
        elif choice < 0.5:
            await recorder.call(session, "agency_list", "GET", "/can-bo/ho-so/")
        elif choice < 0.75:
            code, _number = random.choice(fixtures.lookup_pairs)
            # a dossier of any agency: the page answers 200 for the officer's agency and 404 for another
            await recorder.call(session, "dossier_page", "GET", f"/can-bo/ho-so/{code}/", expect=(200, 404))
        elif pool:
            code, token = pool.pop()
            await recorder.call(
                session,
                "forward",
                "POST",
                f"/api/v1/dossiers/{code}/actions/forward",
                json_body={"comment": "Chuyển bước tiếp theo."},
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
            )

    async def monitor(session: Session) -> None:
        if random.random() < 0.5:
            await recorder.call(session, "dashboard", "GET", "/can-bo/thong-ke/")
        else:
            await recorder.call(
                session,
                "stats_api",
                "GET",
                f"/api/v1/stats/summary?agency={fixtures.monitor_agency}&from=2026-07-01&to=2026-09-30",
                headers={"Authorization": f"Bearer {fixtures.monitor_token}"},
            )

    return {
        "browsing": ("anonymous", browse),
        "submitting": ("citizen_token", submit),
        "officers": ("staff", officer),
        "monitors": ("monitor", monitor),
    }


async def workload(base: str, fixtures: Fixtures, seconds: float, counts: dict[str, int]) -> Recorder:
    import aiohttp

    from motcua.catalog.models import Procedure

    procedures = await asyncio.to_thread(lambda: list(Procedure.objects.values_list("code", flat=True)[:200]))
    recorder = Recorder()
    kinds = people(fixtures, recorder, procedures)
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0),
        timeout=aiohttp.ClientTimeout(total=60),
        cookie_jar=aiohttp.DummyCookieJar(),
    ) as http:

        async def person(kind: str) -> None:
            sign_in, step = kinds[kind]
            session = Session(http, base)
            if sign_in == "staff":
                await session.sign_in("/can-bo/dang-nhap/", {"username": "chuyenvien", "password": PASSWORD})
            elif sign_in == "monitor":
                await session.sign_in("/can-bo/dang-nhap/", {"username": "baocao", "password": PASSWORD})
            elif sign_in == "citizen_token":
                session.headers["Authorization"] = f"Bearer {fixtures.citizen_token}"
            stop = time.monotonic() + seconds
            while time.monotonic() < stop:
                await step(session)
                await asyncio.sleep(random.uniform(0.2, 1.0))

        await asyncio.gather(*(person(kind) for kind, count in counts.items() for _ in range(count)))
    return recorder


def count_dossiers() -> int:
    from motcua.dossiers.models import Dossier

    return Dossier.objects.count()


def run() -> list[Result]:
    from django.conf import settings

    from motcua.dossiers.models import Dossier

    seconds = float(os.environ.get("BENCH_MIXED_SECONDS", "600"))
    counts = {
        "browsing": int(os.environ.get("BENCH_MIXED_BROWSING", "12")),
        "submitting": int(os.environ.get("BENCH_MIXED_SUBMITTING", "4")),
        "officers": int(os.environ.get("BENCH_MIXED_OFFICERS", "6")),
        "monitors": int(os.environ.get("BENCH_MIXED_MONITORS", "2")),
    }
    workers = int(os.environ.get("BENCH_HTTP_WORKERS", "4"))
    threads = int(os.environ.get("BENCH_HTTP_THREADS", "2"))
    fixtures = prepare(forward_needed=int(seconds * counts["officers"]))
    before = count_dossiers()
    print(f"mixed: {before:,} dossiers before; {counts}; {seconds:.0f} s", flush=True)
    began = time.perf_counter()
    external = os.environ.get("BENCH_HTTP_URL", "").rstrip("/")
    if external:
        recorder = asyncio.run(workload(external, fixtures, seconds, counts))
    else:
        with Server(workers=workers, threads=threads, secret_key=settings.SECRET_KEY) as server:
            recorder = asyncio.run(workload(server.url, fixtures, seconds, counts))
    elapsed = time.perf_counter() - began
    after = count_dossiers()
    found = Dossier.objects.filter(code__in=recorder.accepted).count()
    results = [summarise(name, 0, samples, elapsed) for name, samples in sorted(recorder.samples.items())]
    for result in results:
        print(format_row(result), flush=True)
    total = sum(r.requests for r in results)
    errors = sum(r.errors for r in results)
    lost = len(recorder.accepted) - found
    print(
        f"mixed: {total:,} requests in {elapsed:.0f} s ({total / elapsed:.1f}/s), {errors} errors; "
        f"dossiers {before:,} → {after:,} (+{after - before:,}), {len(recorder.accepted):,} accepted, "
        f"{lost} accepted but missing"
    )
    out = ROOT / "var" / "bench-mixed.json"
    out.write_text(
        json.dumps(
            {
                "seconds": elapsed,
                "people": counts,
                "before": before,
                "after": after,
                "accepted": len(recorder.accepted),
                "accepted_missing": lost,
                "errors": errors,
                "results": [asdict(r) for r in results],
            },
            indent=2,
        )
    )
    if errors or lost or after - before != len(recorder.accepted):
        raise SystemExit("mixed workload: errors or lost dossiers (see above)")
    return results
