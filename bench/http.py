"""HTTP benchmarks through a production server: `BENCH=http DATABASE_URL=postgres://... make bench`.

What it measures, on the database `DATABASE_URL` points at (load it first with `python -m bench.generate`):

- `inbox`: an officer's inbox page `/can-bo/` (the specialist `chuyenvien`, signed in with a session);
- `agency_list`: the agency's dossier list `/can-bo/ho-so/` (page of 50) and `agency_api`, the same list
  through `GET /api/v1/dossiers?page_size=50` (bearer token);
- `my_dossiers`: a citizen's `/ho-so-cua-toi/` (the demo citizen `congdan2`, given 20 generated dossiers);
- `lookup`: the public lookup `GET /api/v1/lookup?code=&id_number=` with real pairs sampled from the
  database; every request comes from another address (`X-Forwarded-For` behind one trusted proxy), as
  citizens do, so the per-address rate limit is exercised but not hit;
- `submit`: `POST /api/v1/dossiers` by a citizen (online, a procedure without required documents): the
  dossier, its fees, the audit event, the outbox event and the statistics counters in one transaction;
- `forward`: `POST /api/v1/dossiers/{code}/actions/forward`, each request on another generated dossier
  whose active step may be forwarded, by the officer who holds it.

Each scenario runs with 1 and with 16 concurrent users (`BENCH_HTTP_USERS`), closed loop (a user sends its
next request when the previous answer arrived), for `BENCH_HTTP_SECONDS` (default 20) after a warm-up.
The load generator is this process (asyncio + aiohttp, one connection per user); the server is gunicorn
with `BENCH_HTTP_WORKERS` (default 4) workers of `BENCH_HTTP_THREADS` (default 2) threads, `--reuse-port`
(more options in `BENCH_HTTP_GUNICORN_ARGS`), `DEBUG` off,
started and stopped here (or `BENCH_HTTP_URL` to measure a server already running; then the server must
share this process's `SECRET_KEY` for the minted API tokens). Results: a table on stdout and
`var/bench-http.json`, with the CPU each request cost the server, PostgreSQL and the load generator (read
from /proc over the measured seconds; all three share the machine's cores).

`BENCH=mixed` runs the mixed workload instead (see `bench/mixed.py`).
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import os
import random
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "MotCua@2026"  # noqa: S105  the demo accounts' password (docs/api-contract.md)
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- measurements ----------------------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    users: int
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    throughput: float
    statuses: dict[str, int] = field(default_factory=dict)
    first_errors: list[str] = field(default_factory=list)
    # CPU per request during the measured seconds (ms), where /proc tells: gunicorn (master and workers),
    # every PostgreSQL process, and this load generator; all share the same cores
    cpu_ms: dict[str, float] = field(default_factory=dict)


class CpuMeter:
    """CPU seconds used so far by the server's processes, PostgreSQL's, and this process (Linux /proc)."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def _stat(self, pid: str) -> tuple[str, int, float] | None:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                text = stat.read()
        except OSError:  # gone, or no /proc
            return None
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        # after the name: state (3), ppid (4), ... utime (14), stime (15)
        return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / self.tick

    def read(self) -> dict[str, dict[str, float]]:
        """CPU seconds so far of each process of each group (the generator's as one process)."""
        used: dict[str, dict[str, float]] = {"web": {}, "database": {}}
        try:
            pids = [entry for entry in os.listdir("/proc") if entry.isdigit()]
        except OSError:
            return {}
        for pid in pids:
            found = self._stat(pid)
            if found is None:
                continue
            name, parent, seconds = found
            if self.server_pid is not None and self.server_pid in (int(pid), parent):
                used["web"][pid] = seconds
            elif name == "postgres" or name.startswith("postgres:"):
                used["database"][pid] = seconds
        times = os.times()
        used["load generator"] = {"self": times.user + times.system}
        return used

    @staticmethod
    def spent(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]) -> dict[str, float]:
        """CPU seconds of each group between two readings: a process started meanwhile counts whole; one that
        ended meanwhile (a database connection closed) is not counted, as /proc no longer shows it."""
        return {
            group: sum(seconds - before.get(group, {}).get(pid, 0.0) for pid, seconds in processes.items())
            for group, processes in after.items()
        }


def percentile(sorted_values: list[float], share: float) -> float:
    """The nearest-rank percentile of already sorted values (0 when there are none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), math.ceil(share * len(sorted_values) - 1e-9)))
    return sorted_values[rank - 1]


def summarise(
    scenario: str,
    users: int,
    samples: list[tuple[float, int, str]],
    seconds: float,
    cpu: dict[str, float] | None = None,
) -> Result:
    latencies = sorted(ms for ms, _status, _err in samples)
    statuses: dict[str, int] = {}
    errors: list[str] = []
    for _ms, status, err in samples:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if err:
            errors.append(err)
    return Result(
        scenario=scenario,
        users=users,
        requests=len(samples),
        errors=len(errors),
        seconds=round(seconds, 2),
        p50_ms=round(percentile(latencies, 0.50), 1),
        p95_ms=round(percentile(latencies, 0.95), 1),
        p99_ms=round(percentile(latencies, 0.99), 1),
        mean_ms=round(sum(latencies) / len(latencies), 1) if latencies else 0.0,
        throughput=round(len(samples) / seconds, 1) if seconds else 0.0,
        statuses=statuses,
        first_errors=errors[:5],
        cpu_ms={name: round(used * 1000 / len(samples), 2) for name, used in (cpu or {}).items()} if samples else {},
    )


# --- the HTTP client -------------------------------------------------------------------------------------------


class Session:
    """One simulated user: its own connection and cookies (kept by hand: the server's cookies are `Secure`)."""

    def __init__(self, http: Any, base: str) -> None:
        self.http = http
        self.base = base
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if extra:
            headers.update(extra)
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        async with self.http.request(
            method,
            self.base + path,
            json=json_body,
            data=data,
            headers=self._headers(headers),
            allow_redirects=False,
        ) as response:
            body = await response.text()
            for name, morsel in response.cookies.items():
                self.cookies[name] = morsel.value
            return response.status, body

    async def sign_in(self, login_path: str, fields: dict[str, str]) -> None:
        status, page = await self.request("GET", login_path)
        found = CSRF_FIELD.search(page)
        if status != 200 or not found:
            raise RuntimeError(f"{login_path}: no sign-in form ({status})")
        status, _body = await self.request(
            "POST",
            login_path,
            data={"csrfmiddlewaretoken": found.group(1), **fields},
            headers={"Referer": self.base + login_path},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{login_path}: sign-in refused ({status})")


Request = Callable[[Session, int], Awaitable[tuple[int, str, bool]]]


class RunOut(Exception):
    """The scenario has no more work (e.g. no dossier left to forward): its users stop early."""


async def closed_loop(
    name: str,
    users: int,
    seconds: float,
    make_session: Callable[[int], Awaitable[Session]],
    one: Request,
    *,
    warmup: float = 2.0,
    meter: CpuMeter | None = None,
) -> Result:
    """`users` sessions each sending `one` after the other for `seconds` (after `warmup` seconds unrecorded);
    `meter` reads the CPU the processes used between the start and the end of the measured seconds."""
    sessions = [await make_session(i) for i in range(users)]
    samples: list[tuple[float, int, str]] = []
    started = time.perf_counter()
    record_from = started + warmup
    stop_at = record_from + seconds
    counter = iter(range(10**12))

    async def user(session: Session) -> None:
        while True:
            begin = time.perf_counter()
            if begin >= stop_at:
                return
            index = next(counter)
            try:
                status, detail, ok = await one(session, index)
                error = "" if ok else f"{status} {detail[:200]}"
            except RunOut:
                return
            except Exception as exc:
                status, error = 0, f"{type(exc).__name__}: {exc}"[:200]
            end = time.perf_counter()
            if begin >= record_from:
                samples.append(((end - begin) * 1000, status, error))

    cpu: dict[str, float] = {}

    async def watch() -> None:
        await asyncio.sleep(max(record_from - time.perf_counter(), 0))
        before = meter.read() if meter else {}
        await asyncio.sleep(max(stop_at - time.perf_counter(), 0))
        if meter:
            cpu.update(meter.spent(before, meter.read()))

    await asyncio.gather(watch(), *(user(s) for s in sessions))
    measured = max(min(time.perf_counter(), stop_at) - record_from, 1e-9)
    return summarise(name, users, samples, measured, cpu)


# --- the server ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment(secret_key: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "MOTCUA_TRUSTED_PROXIES": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    return env


class Server:
    """gunicorn serving `motcua.wsgi` on a free port; stopped on exit."""

    def __init__(self, *, workers: int, threads: int, secret_key: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.threads = threads
        self.secret_key = secret_key
        self.process: subprocess.Popen[bytes] | None = None
        self.log = ROOT / "var" / "bench-gunicorn.log"

    def __enter__(self) -> Server:
        self.log.parent.mkdir(exist_ok=True)
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "motcua.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--worker-class",
            "gthread" if self.threads > 1 else "sync",
            "--keep-alive",
            "30",
            "--preload",  # the application (views included: motcua.wsgi) loaded once, before the workers fork
            # each worker its own listening socket: the kernel spreads the connections over them (one shared
            # socket let the first worker to wake take 14 of the 16 keep-alive connections; docs/operations.md)
            "--reuse-port",
            "--no-control-socket",  # several servers may run at once (tests, benchmarks): no shared socket path
            # no access log unless asked, as in production (docs/operations.md: nginx logs the requests); an
            # access log to /dev/null still formats every line, 2 % of an API call's CPU
            *(["--access-logfile", "-"] if os.environ.get("BENCH_HTTP_ACCESS_LOG") else []),
            *shlex.split(os.environ.get("BENCH_HTTP_GUNICORN_ARGS", "")),
        ]
        with self.log.open("ab") as log:
            # production pages name their static files through the manifest that collectstatic writes
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput"],
                cwd=ROOT,
                env=server_environment(self.secret_key),
                stdout=log,
                stderr=log,
                check=True,
            )
            self.process = subprocess.Popen(  # noqa: S603  our own command line
                command, cwd=ROOT, env=server_environment(self.secret_key), stdout=log, stderr=log
            )
        deadline = time.monotonic() + 60
        import urllib.request

        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {self.log}")
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


# --- data for the scenarios (read with the ORM, in this process) ------------------------------------------------


@dataclass
class Fixtures:
    lookup_pairs: list[tuple[str, str]]
    submission: dict[str, Any]
    forward_pool: list[tuple[str, str]]  # (dossier code, token of the officer holding its step)
    citizen_token: str
    officer_token: str
    monitor_token: str
    monitor_agency: str  # the agency whose figures the monitor reads (its own, with the agencies under it)
    agency: str
    dossiers: int


def sample_lookup_pairs(count: int) -> list[tuple[str, str]]:
    from django.db import connection

    from motcua.dossiers.models import Dossier

    table = Dossier._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f'SELECT code, applicant_id_number FROM "{table}" TABLESAMPLE SYSTEM (1) '  # noqa: S608
                "WHERE applicant_id_number <> '' LIMIT %s",
                [count],
            )
        else:
            cursor.execute(
                f"SELECT code, applicant_id_number FROM \"{table}\" WHERE applicant_id_number <> '' "  # noqa: S608
                "ORDER BY random() LIMIT %s",
                [count],
            )
        return [(code, number) for code, number in cursor.fetchall()]


def submission_template() -> dict[str, Any]:
    """An online submission of the published, fully online procedure that asks for the fewest documents.

    `documents` lists the required component codes; each submission uploads one small PDF per component.
    """
    from django.db.models import Count, Q

    from motcua.catalog.models import OnlineMode, ProcedureVersion
    from motcua.org.models import AdministrativeUnit

    version = (
        ProcedureVersion.objects.filter(
            status=ProcedureVersion.Status.PUBLISHED, effective_to__isnull=True, online_mode=OnlineMode.FULL
        )
        .annotate(required=Count("components", filter=Q(components__required=True)))
        .order_by("required", "procedure__code")
        .first()
    )
    if version is None:
        raise SystemExit("no fully online procedure in this database")
    agency = next(a for a in version.agencies.all().order_by("code") if a.is_active)
    ward = AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE).order_by("code").first()
    address = {"ward_code": int(ward.code) if ward else 0, "line": "Số 12 đường Hùng Vương"}
    return {
        "procedure": version.procedure.code,
        "agency": agency.code,
        "channel": "online",
        "applicant": {
            "kind": "citizen",
            "full_name": "Nguyễn Văn Một",
            "id_number": "064095000123",
            "birth_date": "1990-05-17",
            "phone": "0905123456",
            "email": "congdan1@example.vn",
            "address": address,
        },
        "form": {},
        "documents": [c.code for c in version.components.filter(required=True).order_by("code")],
        "delivery": {"method": "online", "address": address},
    }


# a small, valid PDF (one empty page): what a citizen's scanned form stands in for
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


async def submit_dossier(session: Session, template: dict[str, Any]) -> tuple[int, str]:
    """Upload one PDF per required document, then submit: the citizen's whole online submission."""
    import aiohttp

    documents = []
    for component in template["documents"]:
        form = aiohttp.FormData()
        form.add_field("file", PDF, filename=f"{component.lower()}.pdf", content_type="application/pdf")
        status, body = await session.request("POST", "/api/v1/uploads", data=form)
        if status != 201 and status != 200:
            return status, body
        documents.append({"component": component, "file": json.loads(body)["id"]})
    return await session.request(
        "POST",
        "/api/v1/dossiers",
        json_body={**template, "documents": documents},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )


def forward_pool(limit: int) -> list[tuple[str, str]]:
    """Generated dossiers whose active step may be forwarded now, with a token of an officer who may do it."""
    from motcua.api.auth import issue_token
    from motcua.dossiers import process
    from motcua.dossiers.models import DossierStep

    steps = (
        DossierStep.objects.filter(state=DossierStep.State.ACTIVE, dossier__status="processing")
        .exclude(role="one_stop_officer")
        .select_related("assignee__user", "agency", "unit", "dossier")
        .order_by("-started_at")
        .iterator(chunk_size=2000)
    )
    if limit <= 0:
        return []
    tokens: dict[int, str] = {}
    holders: dict[tuple[int, str, int | None], Any] = {}
    pool = []
    for step in steps:
        if "forward" not in (step.allowed_actions or []):
            continue
        user = step.assignee.user if step.assignee is not None else None
        if user is None:
            key = (step.agency_id, step.role, step.unit_id)
            if key not in holders:
                found = process.candidates(agency=step.agency, role=step.role, unit=step.unit)
                holders[key] = found[0].user if found else None
            user = holders[key]
        if user is None:
            continue
        if user.pk not in tokens:
            tokens[user.pk] = issue_token(user)
        pool.append((step.dossier.code, tokens[user.pk]))
        if len(pool) >= limit:
            break
    return pool


def inbox_size() -> dict[str, int]:
    """The tabs of the measured inbox: the forward scenario empties the officers' queues run after run, and an
    inbox with little in it is cheap to show, so each run says what it measured."""
    from django.contrib.auth import get_user_model

    from motcua.dossiers import selectors

    return selectors.inbox(get_user_model().objects.get(username="chuyenvien")).counts()


LIST_CITIZEN = "congdan2"  # whose "my dossiers" page is measured (congdan1 submits, and piles up dossiers)
MY_DOSSIERS = 20  # a citizen's dossiers over the years: a generous figure


def give_dossiers(account: Any, count: int) -> None:
    """Make `account` the owner of `count` generated online dossiers (the generator leaves them ownerless)."""
    from motcua.dossiers.models import Dossier

    missing = count - Dossier.objects.filter(account=account).count()
    if missing > 0:
        chosen = Dossier.objects.filter(account=None, channel="online").order_by("-submitted_at")[:missing]
        Dossier.objects.filter(pk__in=list(chosen.values_list("pk", flat=True))).update(account=account)


def prepare(forward_needed: int) -> Fixtures:
    from django.contrib.auth import get_user_model

    from motcua.api.auth import issue_token
    from motcua.dossiers.models import Dossier
    from motcua.org import access

    users = get_user_model().objects
    officer = users.get(username="chuyenvien")
    give_dossiers(users.get(username=LIST_CITIZEN), MY_DOSSIERS)
    staff = access.staff_of(officer)
    monitor = users.get(username="baocao")
    monitor_staff = access.staff_of(monitor)
    return Fixtures(
        lookup_pairs=sample_lookup_pairs(5000),
        submission=submission_template(),
        forward_pool=forward_pool(forward_needed),
        citizen_token=issue_token(users.get(username="congdan1")),
        officer_token=issue_token(officer),
        monitor_token=issue_token(monitor),
        monitor_agency=monitor_staff.agency.code if monitor_staff else "",
        agency=staff.agency.code if staff else "",
        dossiers=Dossier.objects.count(),
    )


# --- scenarios -------------------------------------------------------------------------------------------------


def ok_status(status: int, *expected: int) -> bool:
    return status in (expected or (200,))


def scenarios(fixtures: Fixtures) -> dict[str, tuple[str, Request]]:
    """name → (how the session signs in, one request)."""
    pool = list(fixtures.forward_pool)
    pool_lock = asyncio.Lock()
    submission = fixtures.submission

    async def inbox(session: Session, _i: int) -> tuple[int, str, bool]:
        status, body = await session.request("GET", "/can-bo/")
        return status, body, ok_status(status)

    async def agency_list(session: Session, i: int) -> tuple[int, str, bool]:
        page = 1 + i % 5
        status, body = await session.request("GET", f"/can-bo/ho-so/?page={page}")
        return status, body, ok_status(status)

    async def agency_api(session: Session, _i: int) -> tuple[int, str, bool]:
        status, body = await session.request("GET", "/api/v1/dossiers?page_size=50")
        return status, body, ok_status(status) and body.count('"code"') >= 50

    async def my_dossiers(session: Session, _i: int) -> tuple[int, str, bool]:
        status, body = await session.request("GET", "/ho-so-cua-toi/")
        return status, body, ok_status(status)

    async def lookup(session: Session, i: int) -> tuple[int, str, bool]:
        code, number = fixtures.lookup_pairs[i % len(fixtures.lookup_pairs)]
        address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
        status, body = await session.request(
            "GET", f"/api/v1/lookup?code={code}&id_number={number}", headers={"X-Forwarded-For": address}
        )
        return status, body, ok_status(status)

    async def submit(session: Session, _i: int) -> tuple[int, str, bool]:
        status, body = await submit_dossier(session, submission)
        return status, body, ok_status(status, 201)

    async def forward(session: Session, _i: int) -> tuple[int, str, bool]:
        async with pool_lock:
            if not pool:
                raise RunOut
            code, token = pool.pop()
        status, body = await session.request(
            "POST",
            f"/api/v1/dossiers/{code}/actions/forward",
            json_body={"comment": "Đã thẩm định, chuyển bước tiếp theo."},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
        )
        return status, body, ok_status(status)

    return {
        "inbox": ("staff", inbox),
        "agency_list": ("staff", agency_list),
        "agency_api": ("officer_token", agency_api),
        "my_dossiers": ("citizen", my_dossiers),
        "lookup": ("anonymous", lookup),
        "submit": ("citizen_token", submit),
        "forward": ("anonymous", forward),
    }


async def run_all(
    base: str,
    fixtures: Fixtures,
    users_list: list[int],
    seconds: float,
    chosen: list[str],
    server_pid: int | None = None,
) -> list[Result]:
    import aiohttp

    table = scenarios(fixtures)
    results: list[Result] = []
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as http:
        signed_in: dict[str, list[Session]] = {}

        async def session_for(kind: str, index: int) -> Session:
            sessions = signed_in.setdefault(kind, [])
            while len(sessions) <= index:
                session = Session(http, base)
                if kind == "staff":
                    await session.sign_in("/can-bo/dang-nhap/", {"username": "chuyenvien", "password": PASSWORD})
                elif kind == "citizen":
                    await session.sign_in("/dang-nhap/", {"identifier": LIST_CITIZEN, "password": PASSWORD})
                elif kind == "officer_token":
                    session.headers["Authorization"] = f"Bearer {fixtures.officer_token}"
                elif kind == "citizen_token":
                    session.headers["Authorization"] = f"Bearer {fixtures.citizen_token}"
                sessions.append(session)
            return sessions[index]

        for name in chosen:
            kind, one = table[name]
            for users in users_list:
                result = await closed_loop(
                    name, users, seconds, functools.partial(session_for, kind), one, meter=CpuMeter(server_pid)
                )
                results.append(result)
                print(format_row(result), flush=True)
    return results


def format_row(result: Result) -> str:
    return (
        f"{result.scenario:<12} users={result.users:<3} n={result.requests:<6} err={result.errors:<4} "
        f"p50={result.p50_ms:>7.1f} p95={result.p95_ms:>7.1f} p99={result.p99_ms:>7.1f} ms  "
        f"{result.throughput:>7.1f}/s"
        + ("  CPU ms/request: " + ", ".join(f"{k} {v:.2f}" for k, v in result.cpu_ms.items()) if result.cpu_ms else "")
        + (f"  first error: {result.first_errors[0]}" if result.first_errors else "")
    )


SCENARIOS = ("inbox", "agency_list", "agency_api", "my_dossiers", "lookup", "submit", "forward")


def run() -> list[Result]:
    from django.conf import settings

    seconds = float(os.environ.get("BENCH_HTTP_SECONDS", "20"))
    users_list = [int(u) for u in os.environ.get("BENCH_HTTP_USERS", "1,16").split(",")]
    chosen = [s.strip() for s in os.environ.get("BENCH_HTTP_SCENARIOS", ",".join(SCENARIOS)).split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}")
    workers = int(os.environ.get("BENCH_HTTP_WORKERS", "4"))
    threads = int(os.environ.get("BENCH_HTTP_THREADS", "2"))
    # enough dossiers to forward for the fastest run we expect (400/s), plus the warm-up
    fixtures = prepare(forward_needed=int((seconds + 3) * 400) if "forward" in chosen else 0)
    print(
        f"http: {fixtures.dossiers:,} dossiers; {len(fixtures.forward_pool):,} dossiers ready to forward; "
        f"{workers} gunicorn workers × {threads} threads; {seconds:.0f} s per run",
        flush=True,
    )
    print(f"inbox measured (tab: rows, at most 200): {inbox_size()}", flush=True)
    external = os.environ.get("BENCH_HTTP_URL", "").rstrip("/")
    if external:
        results = asyncio.run(run_all(external, fixtures, users_list, seconds, chosen))
    else:
        with Server(workers=workers, threads=threads, secret_key=settings.SECRET_KEY) as server:
            pid = server.process.pid if server.process else None
            results = asyncio.run(run_all(server.url, fixtures, users_list, seconds, chosen, pid))
    out = ROOT / "var" / "bench-http.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "dossiers": fixtures.dossiers,
                "workers": workers,
                "threads": threads,
                "results": [asdict(r) for r in results],
            },
            indent=2,
        )
    )
    print(f"results written to {out}")
    return results


def secret_key() -> str:
    """A key shared by this process (which mints the tokens) and the server it starts."""
    return os.environ.get("SECRET_KEY") or "bench-" + secrets.token_urlsafe(48)
