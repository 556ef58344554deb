"""Dossiers pushed by the national public service portal: `POST /api/v1/inbound/national-portal/dossiers`.

The portal (or the provincial gateway in front of it) presents the shared token of
`MOTCUA_NATIONAL_PORTAL_INBOUND_TOKEN` (none configured: every call is refused). The answer says what became of the dossier: created (its local
code; it waits for reception), unmapped or invalid (the problems); 202 in every case: it is kept.
"""

from __future__ import annotations

import hmac
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Body, Router, Schema, Status
from ninja.security import HttpBearer

from motcua.core.errors import InvalidInput
from motcua.integrations.inbound import services

router = Router(tags=["national portal"])


class PortalToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> str | None:
        expected = getattr(settings, "MOTCUA_NATIONAL_PORTAL_INBOUND_TOKEN", "")
        if expected and hmac.compare_digest(token.encode(), expected.encode()):
            return "national-portal"
        return None


class Problem(Schema):
    field: str
    code: str
    problem: str


class InboundOut(Schema):
    external_code: str
    state: str
    dossier: str | None
    problems: list[Problem]


@router.post(
    "/inbound/national-portal/dossiers",
    response={202: InboundOut},
    auth=PortalToken(),
    summary="A dossier filed on the national public service portal (kept, then received locally when it maps)",
)
def receive_dossier(request: HttpRequest, payload: Body[dict[str, Any]]) -> Status[Any]:
    try:
        inbound = services.receive(payload)
    except services.DomainError as exc:
        raise InvalidInput(detail=str(exc)) from exc
    return Status(
        202,
        {
            "external_code": inbound.external_code,
            "state": inbound.state,
            "dossier": inbound.dossier.code if inbound.dossier else None,
            "problems": inbound.problems,
        },
    )
