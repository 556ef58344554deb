"""A local national portal for development, the demo and tests (never in production).

It accepts the three calls (new dossier, update, steps), records each in `SimulatedPortalCall` (also the
refused ones, so tests can count calls), answers `{"error_code": "2", "message": "Hồ sơ đã tồn tại"}` to a
new call for a code it already accepted, `404`-like `error_code` to an update of a code it does not know,
and can be switched down (every call answers HTTP 503) or made to refuse (every call answers HTTP 400).
Reached in-process (`InProcessTransport`) when no portal URL is configured, or over HTTP at
`/mo-phong/dvcqg/<endpoint>` when the simulator is enabled (`MOTCUA_NATIONAL_PORTAL_SIMULATOR`).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from motcua.integrations.national_portal import mapping
from motcua.integrations.national_portal.client import Response
from motcua.integrations.national_portal.models import SimulatedPortalCall


@dataclass
class SimulatorState:
    down: bool = False  # every call answers 503
    refuse: bool = False  # every call answers 400 with a validation message
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.down = False
            self.refuse = False


STATE = SimulatorState()  # one per process


def _answer(code: str, message: str) -> dict[str, str]:
    return {mapping.ERROR_CODE: code, mapping.MESSAGE: message}


def _accepted(code: str) -> bool:
    return SimulatedPortalCall.objects.filter(
        endpoint__in=[mapping.ENDPOINT_NEW, mapping.ENDPOINT_UPDATE], dossier_code=code, error_code=mapping.SUCCESS
    ).exists()


def handle(endpoint: str, body: bytes, headers: dict[str, str]) -> Response:
    """Answer one call as the portal would; record it."""
    key = headers.get("Idempotency-Key", "")
    try:
        data: Any = json.loads(body or b"{}")
    except ValueError:
        data = None
    code = str(data.get("MaHoSo", "")) if isinstance(data, dict) else ""
    status, answer = 200, _answer(mapping.SUCCESS, "Thành công")
    if STATE.down:
        status, answer = 503, _answer("-1", "Hệ thống đang bảo trì")
    elif endpoint not in mapping.ENDPOINTS:
        status, answer = 404, _answer("-1", "Không có dịch vụ")
    elif STATE.refuse or not isinstance(data, dict) or not code:
        status, answer = 400, _answer("-1", "Dữ liệu không hợp lệ")
    elif endpoint == mapping.ENDPOINT_NEW and _accepted(code):
        answer = _answer(mapping.ALREADY_EXISTS, "Hồ sơ đã tồn tại")
    elif endpoint == mapping.ENDPOINT_UPDATE and not _accepted(code):
        answer = _answer("3", "Hồ sơ không tồn tại")
    elif endpoint == mapping.ENDPOINT_STEPS and len(data.get(mapping.STEPS_LIST) or []) > mapping.STEPS_PER_CALL:
        answer = _answer("4", "Tối đa 10 bước xử lý mỗi lần")
    SimulatedPortalCall.objects.create(
        endpoint=endpoint[:40],
        dossier_code=code[:40],
        idempotency_key=key[:64],
        body=data if isinstance(data, dict) else {},
        http_status=status,
        error_code=answer[mapping.ERROR_CODE],
    )
    return Response(status=status, body=json.dumps(answer, ensure_ascii=False).encode())


class InProcessTransport:
    """Calls the simulator directly (no socket): the demo without a portal, and fast tests."""

    def post(self, url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Response:
        return handle(url.rsplit("/", 2)[-2] + "/" + url.rsplit("/", 1)[-1], body, headers)
