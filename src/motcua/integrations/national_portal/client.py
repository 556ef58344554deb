"""HTTP client of the national portal: new dossier (→ update when it already exists), then steps by 10.

Errors: `PortalUnavailable` (transport error, timeout, HTTP ≥ 500, unreadable answer: try again later) and
`PortalRejected` (HTTP 4xx or a non-zero `error_code`: the portal refused this content; retrying the same
content cannot help). Both carry a message for the delivery record. Every call carries the outbox event key
as `Idempotency-Key`. The transport is pluggable: urllib in production, the simulator in-process for the
demo, a Django test client in tests.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

from motcua.integrations.national_portal import mapping


class PortalError(Exception):
    """The portal did not accept a call."""


class PortalUnavailable(PortalError):
    """Transient: the portal could not be reached or failed (5xx): the call may succeed later."""


class PortalRejected(PortalError):
    """Permanent: the portal refused the content (4xx, non-zero error code)."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes


class Transport(Protocol):
    def post(self, url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Response: ...


class UrllibTransport:
    """The production transport (the standard library, like the post adapter)."""

    def post(self, url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Response:
        if not url.startswith(("https://", "http://")):
            raise PortalUnavailable(f"national portal: unsupported URL {url!r}")
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310  scheme checked above
                return Response(status=answer.status, body=answer.read())
        except urllib.error.HTTPError as exc:
            return Response(status=exc.code, body=exc.read() or b"")
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise PortalUnavailable(f"national portal: {type(exc).__name__}: {exc}") from exc


class PortalClient:
    def __init__(self, *, base_url: str, token: str = "", timeout: float = 10, transport: Transport | None = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.transport: Transport = transport or UrllibTransport()

    @classmethod
    def from_settings(cls, transport: Transport | None = None) -> PortalClient:
        return cls(
            base_url=str(getattr(settings, "MOTCUA_NATIONAL_PORTAL_URL", "") or ""),
            token=str(getattr(settings, "MOTCUA_NATIONAL_PORTAL_TOKEN", "") or ""),
            timeout=float(getattr(settings, "MOTCUA_NATIONAL_PORTAL_TIMEOUT", 10)),
            transport=transport,
        )

    def _call(self, endpoint: str, payload: dict[str, Any], *, key: str) -> dict[str, Any]:
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps(payload, ensure_ascii=False).encode()
        answer = self.transport.post(f"{self.base_url}/{endpoint}", body=body, headers=headers, timeout=self.timeout)
        text = answer.body[:300].decode(errors="replace")
        if answer.status >= 500:
            raise PortalUnavailable(f"{endpoint}: HTTP {answer.status} {text}")
        try:
            data = json.loads(answer.body or b"{}")
        except ValueError as exc:
            if answer.status >= 400:
                raise PortalRejected(f"{endpoint}: HTTP {answer.status} {text}") from exc
            raise PortalUnavailable(f"{endpoint}: unreadable answer {text!r}") from exc
        if not isinstance(data, dict):
            raise PortalUnavailable(f"{endpoint}: unreadable answer {text!r}")
        if answer.status >= 400:
            raise PortalRejected(f"{endpoint}: HTTP {answer.status} {data.get(mapping.MESSAGE, text)}")
        return data

    @staticmethod
    def _ok(data: dict[str, Any]) -> bool:
        return str(data.get(mapping.ERROR_CODE, "")) == mapping.SUCCESS

    @staticmethod
    def _exists(data: dict[str, Any]) -> bool:
        message = str(data.get(mapping.MESSAGE, "")).lower()
        return (
            str(data.get(mapping.ERROR_CODE, "")) == mapping.ALREADY_EXISTS or mapping.ALREADY_EXISTS_MESSAGE in message
        )

    def _refused(self, endpoint: str, data: dict[str, Any]) -> PortalRejected:
        return PortalRejected(
            f"{endpoint}: error_code {data.get(mapping.ERROR_CODE)!r} {data.get(mapping.MESSAGE, '')}"
        )

    def push_dossier(self, payload: dict[str, Any], *, key: str) -> bool:
        """New dossier, or update when the portal says it exists; True when it was an update."""
        data = self._call(mapping.ENDPOINT_NEW, payload, key=key)
        if self._ok(data):
            return False
        if not self._exists(data):
            raise self._refused(mapping.ENDPOINT_NEW, data)
        data = self._call(mapping.ENDPOINT_UPDATE, payload, key=key)
        if not self._ok(data):
            raise self._refused(mapping.ENDPOINT_UPDATE, data)
        return True

    def push_step_chunk(self, code: str, chunk: Sequence[dict[str, Any]], *, key: str) -> None:
        """One call with at most 10 steps."""
        if len(chunk) > mapping.STEPS_PER_CALL:
            raise ValueError(f"at most {mapping.STEPS_PER_CALL} steps per call, not {len(chunk)}")
        data = self._call(mapping.ENDPOINT_STEPS, {"MaHoSo": code, mapping.STEPS_LIST: list(chunk)}, key=key)
        if not self._ok(data):
            raise self._refused(mapping.ENDPOINT_STEPS, data)


def chunks(steps: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Steps cut in calls of at most 10."""
    size = mapping.STEPS_PER_CALL
    return [list(steps[start : start + size]) for start in range(0, len(steps), size)]
