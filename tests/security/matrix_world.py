"""The actors of the permission matrix, over the dossier tests' small province (tests/dossiers/conftest.py).

The province of `world` has a service centre (receives), the Department of Justice (decides: specialist,
division head, leader), the Department of Construction (another agency) and the People's Committee (monitor).
`Cast` adds what the matrix needs on top:

- own agency: every role of the agencies that hold the dossier (one-stop officer of the centre; specialist,
  division head, leader, agency administrator of the department; monitor and province administrator of the
  province);
- another agency: the same roles in the Department of Construction, and the province-wide roles (monitor,
  province administrator) of ANOTHER province;
- the citizen who owns the dossier, another citizen, an anonymous visitor;
- for the API: clients of the dossier's agencies with and without the needed scope, and a client of
  another agency.

`attempt` runs one request inside a savepoint and rolls it back, so that every actor meets the same state;
`snapshot` is the database state a denied request must leave untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django.test import Client

from motcua.api.auth import issue_token
from motcua.clients import services as client_services
from motcua.core.audit import AuditEvent
from motcua.core.outbox import OutboxEvent
from motcua.dossiers.models import (
    DeadlineAlert,
    Document,
    Dossier,
    DossierDraft,
    DossierFee,
    DossierStep,
    SatisfactionRating,
    StoredDocument,
    Upload,
)
from motcua.org.models import AdministrativeUnit, Agency, Role, Staff
from motcua.payments.models import PaymentRequest, PaymentTransaction
from motcua.results.models import ResultDocument
from tests.dossiers.conftest import World
from tests.factories import AgencyFactory, make_staff

# staff of the agencies that hold the dossier (receiving centre, deciding department, the province)
OWN = ("officer", "specialist", "head", "leader", "agency_admin", "monitor", "province_admin")
# the same roles elsewhere: another department of the province; the province-wide roles of another province
OTHER = (
    "other_officer",
    "other_specialist",
    "other_head",
    "other_leader",
    "other_agency_admin",
    "other_monitor",
    "other_province_admin",
)
STAFF = OWN + OTHER
CITIZENS = ("citizen", "other_citizen")
PEOPLE = STAFF + CITIZENS + ("anonymous",)
# API clients: of the dossier's agencies with every scope, with none that matters here, of another agency
CLIENTS = ("client", "client_without_scope", "other_client")
API_CALLERS = PEOPLE + CLIENTS

ALL_SCOPES = ["dossiers:read", "dossiers:submit", "stats:read"]


@dataclass
class Cast:
    world: World
    users: dict[str, Any]
    other_province_committee: Agency
    secrets: dict[str, tuple[str, str]]  # client name -> (client id, secret)
    _tokens: dict[str, str] = field(default_factory=dict)

    def staff(self, name: str) -> Staff:
        staff: Staff = self.users[name].staff
        return staff

    def http(self, name: str) -> Client:
        """A browser signed in as `name` (nobody for anonymous and API clients)."""
        client = Client()
        if name in self.users:
            client.force_login(self.users[name])
        return client

    def token(self, name: str) -> str | None:
        """The bearer token of `name`: a user's token, or an API client's access token; None for anonymous."""
        if name == "anonymous":
            return None
        if name not in self._tokens:
            if name in self.users:
                self._tokens[name] = issue_token(self.users[name])
            else:
                client_id, secret = self.secrets[name]
                answer = Client().post(
                    "/api/v1/oauth/token",
                    {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
                )
                assert answer.status_code == 200, answer.content
                self._tokens[name] = answer.json()["access_token"]
        return self._tokens[name]

    def api_headers(self, name: str) -> dict[str, str]:
        token = self.token(name)
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}


def build_cast(world: World) -> Cast:
    users: dict[str, Any] = dict(world.users())
    department, other = world.department, world.other_department
    users["agency_admin"] = make_staff(Role.AGENCY_ADMIN, agency=department, username="quantri.tp").user
    users["province_admin"] = make_staff(Role.PROVINCE_ADMIN, agency=world.committee, username="quantri.tinh").user
    for role, name in ((Role.SPECIALIST, "other_specialist"), (Role.DIVISION_HEAD, "other_head")):
        users[name] = make_staff(role, agency=other, username=name.replace("_", ".")).user
    users["other_agency_admin"] = make_staff(Role.AGENCY_ADMIN, agency=other, username="quantri.xd").user
    province = AdministrativeUnit.objects.create(
        code="99", name="Tỉnh Khác", kind=AdministrativeUnit.Kind.PROVINCE, level=AdministrativeUnit.Level.PROVINCE
    )
    committee = AgencyFactory(
        code="000.00.00.H22",
        name="Ủy ban nhân dân tỉnh khác",
        kind=Agency.Kind.PEOPLES_COMMITTEE,
        administrative_unit=province,
    )
    users["other_monitor"] = make_staff(Role.MONITOR, agency=committee, username="baocao.khac").user
    users["other_province_admin"] = make_staff(Role.PROVINCE_ADMIN, agency=committee, username="quantri.khac").user
    secrets: dict[str, tuple[str, str]] = {}
    for name, scopes, agencies in (
        ("client", ALL_SCOPES, [world.centre, world.department]),
        ("client_without_scope", [], [world.centre, world.department]),
        ("other_client", ALL_SCOPES, [other]),
    ):
        made, secret = client_services.api_client_create(name=f"Hệ thống {name}", scopes=scopes, agencies=agencies)
        secrets[name] = (made.client_id, secret)
    assert set(users) == set(PEOPLE) - {"anonymous"}
    return Cast(world=world, users=users, other_province_committee=committee, secrets=secrets)


# ---- state ------------------------------------------------------------------------------------------------


def snapshot() -> dict[str, Any]:
    """Everything a dossier request may change: dossiers, steps, documents, fees, payments, results, events."""
    return {
        "dossiers": list(
            Dossier.objects.order_by("pk").values_list(
                "pk", "status", "revision", "current_step_id", "due_at", "paused_at", "finished_at", "returned_at"
            )
        ),
        "steps": list(DossierStep.objects.order_by("pk").values_list("pk", "state", "assignee_id", "agency_id")),
        "documents": list(Document.objects.order_by("pk").values_list("pk", "dossier_id", "component_code", "file")),
        "uploads": list(Upload.objects.order_by("pk").values_list("pk", "used_by")),
        "fees": list(DossierFee.objects.order_by("pk").values_list("pk", "amount", "paid_at")),
        "payments": list(PaymentRequest.objects.order_by("pk").values_list("pk", "state", "finished")),
        "transactions": PaymentTransaction.objects.count(),
        "results": list(ResultDocument.objects.order_by("pk").values_list("pk", "signed_file")),
        "ratings": SatisfactionRating.objects.count(),
        "drafts": list(DossierDraft.objects.order_by("pk").values_list("pk", "documents")),
        "stored": StoredDocument.objects.count(),
        "alerts": list(DeadlineAlert.objects.order_by("pk").values_list("pk", "read_at")),
        "audit": AuditEvent.objects.count(),
        "outbox": OutboxEvent.objects.count(),
    }


@dataclass
class Attempt:
    response: HttpResponse
    changed: bool


@contextmanager
def _rolled_back() -> Iterator[None]:
    point = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(point)


def attempt(request: Callable[[], HttpResponse]) -> Attempt:
    """Send `request` in a savepoint: the answer, and whether it changed the database (then rolled back)."""
    with _rolled_back():
        before = snapshot()
        response = request()
        changed = snapshot() != before
    return Attempt(response, changed)
