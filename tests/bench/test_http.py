"""bench.http: the load tool's figures (percentiles, errors, throughput) against a local server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import aiohttp
import pytest
from bench.http import CpuMeter, RunOut, Session, closed_loop, inbox_size, percentile, summarise

from motcua.dossiers import services
from tests.dossiers.conftest import World, at, submit_counter, world

__all__ = ["world"]  # the fixture


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) == 0.0


def test_summary_counts_errors_and_statuses() -> None:
    samples = [(10.0, 200, ""), (20.0, 200, ""), (30.0, 500, "500 boom"), (40.0, 0, "ConnectionError")]
    result = summarise("x", 2, samples, 2.0)
    assert (result.requests, result.errors, result.throughput) == (4, 2, 2.0)
    assert result.statuses == {"200": 2, "500": 1, "0": 1}
    assert result.p50_ms == 20.0 and result.p99_ms == 40.0
    assert result.first_errors == ["500 boom", "ConnectionError"]


def test_the_cpu_meter_counts_the_server_s_processes_and_its_own() -> None:
    burn = "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\ntime.sleep(20)"
    starter = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {burn!r}])"
    # a "server" whose worker (its child) burns 0.6 s of CPU; its own process group, killed whole at the end
    server = subprocess.Popen([sys.executable, "-c", starter], start_new_session=True)  # noqa: S603
    try:
        meter = CpuMeter(server.pid)
        before = meter.read()
        deadline = time.monotonic() + 15
        while meter.spent(before, meter.read())["web"] < 0.5 and time.monotonic() < deadline:
            time.sleep(0.1)
        end = time.process_time() + 0.3
        mine = meter.read()
        while time.process_time() < end:  # and this process 0.3 s
            pass
        after = meter.read()
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    assert meter.spent(before, after)["web"] >= 0.5
    assert 0.25 <= meter.spent(mine, after)["load generator"] < 1.0
    assert set(after) == {"web", "database", "load generator"}


def test_cpu_of_processes_that_came_or_went_between_readings() -> None:
    before = {"database": {"1": 5.0, "2": 7.0}, "load generator": {"self": 1.0}}
    after = {"database": {"1": 5.5, "3": 0.25}, "load generator": {"self": 1.5}}  # 2 ended, 3 started
    assert CpuMeter.spent(before, after) == {"database": 0.75, "load generator": 0.5}


def test_cpu_is_given_per_request() -> None:
    result = summarise("x", 1, [(10.0, 200, "")] * 4, 1.0, {"web": 0.02, "load generator": 0.004})
    assert result.cpu_ms == {"web": 5.0, "load generator": 1.0}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 500 if self.path.startswith("/fail") else 200
        body = b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _measure(base: str, path: str, limit: int | None = None) -> object:
    async def main() -> object:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:

            async def make(_i: int) -> Session:
                return Session(http, base)

            async def one(session: Session, index: int) -> tuple[int, str, bool]:
                if limit is not None and index >= limit:
                    raise RunOut
                status, body = await session.request("GET", path)
                return status, body, status == 200

            return await closed_loop("t", 3, 0.5, make, one, warmup=0.1)

    return asyncio.run(main())


def test_closed_loop_measures_a_server(server: str) -> None:
    result = _measure(server, "/ok")
    assert result.requests > 10 and result.errors == 0  # type: ignore[attr-defined]
    assert result.statuses == {"200": result.requests}  # type: ignore[attr-defined]
    assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms  # type: ignore[attr-defined]


def test_closed_loop_counts_failures(server: str) -> None:
    result = _measure(server, "/fail")
    assert result.requests > 0 and result.errors == result.requests  # type: ignore[attr-defined]
    assert result.first_errors[0].startswith("500")  # type: ignore[attr-defined]


def test_closed_loop_stops_when_the_work_runs_out(server: str) -> None:
    result = _measure(server, "/ok", limit=5)
    assert result.requests <= 5 and result.errors == 0  # type: ignore[attr-defined]


def test_each_run_says_how_full_the_measured_inbox_is(world: World) -> None:
    """The inbox figures depend on what is in it (the forward scenario empties it): the run prints its tabs."""
    assert inbox_size()["to_do"] == 0
    dossier = submit_counter(world, "2026-03-02 09:00")
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
    assert world.specialist.user.username == "chuyenvien"
    assert inbox_size()["to_do"] == 1
