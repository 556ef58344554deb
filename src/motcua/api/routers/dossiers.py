"""Dossiers: uploads, submission, lists, detail, history, actions, the public lookup."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Literal

from django.conf import settings
from django.db import router as databases
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import BaseModel
from pydantic import Field as PydanticField

from motcua.api import idempotency
from motcua.api.auth import bearer, client_bearer
from motcua.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decode_cursor, encode_cursor
from motcua.api.renderers import written
from motcua.clients import scopes as client_scopes
from motcua.clients.models import Scope as ClientScope
from motcua.core import ratelimit, rows
from motcua.core.errors import FieldError, InvalidInput, NotFound
from motcua.dossiers import official_forms, selectors, services, uploads
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import NATIONAL_STATUS_CODE, Dossier, DossierFee, reception_overdue
from motcua.dossiers.models import Status as DossierStatus
from motcua.org.models import Staff

router = Router(tags=["dossiers"])


def _iso(value: dt.datetime | None, zone: dt.tzinfo | None = None) -> str | None:
    """`value` (aware, as the database gives it with `USE_TZ`) in `zone` (the current one by default)."""
    if value is None:
        return None
    if value.tzinfo is None:  # as `timezone.localtime` refuses it: a naive value's zone is unknown
        raise ValueError("_iso() cannot be applied to a naive datetime")
    return value.astimezone(zone or timezone.get_current_timezone()).isoformat()


# What the contract's dossier shows, as the names `values_list` reads them: a list reads these columns in one
# statement and builds its items from the tuples (`dossier_items`). Building model instances for them, some
# 380 a page of 50 with the fee lines' prefetch, was most of the list's CPU (docs/performance.md, seventh
# session). A dossier already in memory gives the same names through its related objects (`_values_of`), so
# both go through `_dossier_answer`; `tests/api` checks that a list item equals the dossier's own answer.
DOSSIER_OUT_FIELDS = (
    "code",
    "procedure__code",
    "procedure_version__name",
    "receiving_agency__code",
    "receiving_agency__name",
    "competent_agency__code",
    "competent_agency__name",
    "channel",
    "status",
    "applicant_kind",
    "applicant_name",
    "applicant_id_number",
    "applicant_birth_date",
    "applicant_phone",
    "applicant_email",
    "submitted_at",
    "received_at",
    "due_at",
    "finished_at",
    "returned_at",
    "paused_at",
    "timeliness",
    "current_step_id",
    "current_step__name",
    "current_step__due_at",
    "current_step__assignee__user__username",
    "outcome",
    "revision",
    "reception_due_at",
)
FeeRow = tuple[str, str, int, "dt.datetime | None"]  # name, kind, amount, paid_at
_FEE_COLUMNS = ("name", "kind", "amount", "paid_at")


def _values_of(dossier: Dossier) -> dict[str, Any]:
    """DOSSIER_OUT_FIELDS off a dossier in memory, each followed through its related objects (None past a
    missing one: a dossier with no current step has no step name)."""
    values: dict[str, Any] = {}
    for name in DOSSIER_OUT_FIELDS:
        found: Any = dossier
        for part in name.split("__"):
            found = getattr(found, part) if found is not None else None
        values[name] = found
    return values


def _dossier_answer(v: dict[str, Any], fees: list[FeeRow], now: dt.datetime, zone: dt.tzinfo) -> dict[str, Any]:
    """The contract's dossier from DOSSIER_OUT_FIELDS' values and its fee lines."""
    return {
        "code": v["code"],
        "procedure": {"code": v["procedure__code"], "name": v["procedure_version__name"]},
        "receiving_agency": {"code": v["receiving_agency__code"], "name": v["receiving_agency__name"]},
        "competent_agency": {"code": v["competent_agency__code"], "name": v["competent_agency__name"]},
        "channel": v["channel"],
        "status": v["status"],
        "status_code": NATIONAL_STATUS_CODE[v["status"]],
        "applicant": {
            "kind": v["applicant_kind"],
            "full_name": v["applicant_name"],
            "id_number": v["applicant_id_number"],
            "birth_date": v["applicant_birth_date"].isoformat() if v["applicant_birth_date"] else None,
            "phone": v["applicant_phone"],
            "email": v["applicant_email"],
        },
        "submitted_at": _iso(v["submitted_at"], zone),
        "received_at": _iso(v["received_at"], zone),
        "due_at": _iso(v["due_at"], zone),
        "finished_at": _iso(v["finished_at"], zone),
        "returned_at": _iso(v["returned_at"], zone),
        "paused": v["paused_at"] is not None,
        "timeliness": v["timeliness"] or None,
        "current_step": {
            "name": v["current_step__name"],
            "assignee": v["current_step__assignee__user__username"],
            "due_at": _iso(v["current_step__due_at"], zone),
        }
        if v["current_step_id"] is not None
        else None,
        "fees": [
            {"name": name, "kind": kind, "amount": amount, "paid": paid is not None}
            for name, kind, amount, paid in fees
        ],
        "amount_due": sum(amount for _name, _kind, amount, paid in fees if paid is None),
        "outcome": v["outcome"] or None,
        "revision": v["revision"],
        "reception_due_at": _iso(v["reception_due_at"], zone),
        "reception_overdue": reception_overdue(v["status"], v["reception_due_at"], now),
    }


def dossier_out(dossier: Dossier, fees: list[DossierFee] | None = None) -> dict[str, Any]:
    """The contract's dossier; `fees`: its fee lines when already in memory (otherwise read)."""
    lines = list(dossier.fees.all()) if fees is None else fees
    return _dossier_answer(
        _values_of(dossier),
        [(f.name, f.kind, f.amount, f.paid_at) for f in lines],
        timezone.now(),
        timezone.get_current_timezone(),
    )


# each dossier's fee lines in the order `dossier.fees.all()` gives them (by id; the model's ordering would
# join the dossiers to sort by them first), compiled once
_FEES_OF = rows.Prepared(
    lambda: (
        DossierFee.objects.filter(dossier__in=rows.param_list(DossierFee, "dossier", "dossiers"))
        .order_by("pk")
        .values_list("dossier_id", *_FEE_COLUMNS)
    )
)


def dossier_items(values: list[dict[str, Any]], using: str) -> list[dict[str, Any]]:
    """The contract's dossiers of DOSSIER_OUT_FIELDS' `values` (and `pk`), with their fee lines read in one
    statement."""
    fees: dict[int, list[FeeRow]] = {}
    if values:
        for dossier_id, name, kind, amount, paid_at in _FEES_OF.all(using, dossiers=[v["pk"] for v in values]):
            fees.setdefault(dossier_id, []).append((name, kind, amount, paid_at))
    now, zone = timezone.now(), timezone.get_current_timezone()
    return [_dossier_answer(v, fees.get(v["pk"], []), now, zone) for v in values]


# The dossier's output schemas are plain pydantic models, not ninja `Schema`s: the views give them dicts
# (`dossier_out`), and a `Schema` wraps every object of the answer in its attribute-reading getter before
# validating it, a fifth of the CPU of a page of 50 dossiers. The OpenAPI schema is the same either way.
class NamedRef(BaseModel):
    code: str
    name: str


class StepOut(BaseModel):
    name: str
    assignee: str | None
    due_at: str | None


class FeeOut(BaseModel):
    name: str
    kind: str
    amount: int
    paid: bool


class ApplicantOut(BaseModel):
    kind: str
    full_name: str
    id_number: str
    birth_date: str | None
    phone: str
    email: str


class DossierOut(BaseModel):
    code: str
    procedure: NamedRef
    receiving_agency: NamedRef
    competent_agency: NamedRef
    channel: str
    status: str
    status_code: int
    applicant: ApplicantOut
    submitted_at: str | None
    received_at: str | None
    due_at: str | None
    finished_at: str | None
    returned_at: str | None
    paused: bool
    timeliness: str | None
    current_step: StepOut | None
    fees: list[FeeOut]
    amount_due: int
    outcome: str | None
    revision: int
    reception_due_at: str | None
    reception_overdue: bool


class DossierPage(BaseModel):
    items: list[DossierOut]
    next: str | None


class AddressIn(Schema):
    ward_code: int | str | None = None
    line: str = PydanticField("", max_length=255)


class ApplicantIn(Schema):
    kind: Literal["citizen", "business", "organisation"]
    full_name: str = PydanticField(min_length=1, max_length=255)
    id_number: str = PydanticField("", max_length=20)
    birth_date: dt.date | None = None
    phone: str = PydanticField("", max_length=20)
    email: str = PydanticField("", max_length=254)
    address: AddressIn | None = None


class DocumentIn(Schema):
    component: str = PydanticField(max_length=30)
    file: int
    copy_kind: Literal["original", "certified_copy", "photocopy", "electronic"] = "electronic"


class DeliveryIn(Schema):
    method: Literal["counter", "post", "online"] = "counter"
    address: AddressIn | None = None


class SubmitIn(Schema):
    procedure: str = PydanticField(max_length=40)
    agency: str = PydanticField(max_length=20)
    channel: Literal["online", "counter", "postal"]
    applicant: ApplicantIn
    form: dict[str, Any] = {}
    documents: list[DocumentIn] = PydanticField(default=[], max_length=100)
    delivery: DeliveryIn = DeliveryIn()
    reception_point: str | None = None


class UploadOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    content_type: str


class EventOut(Schema):
    at: str
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    step: str | None
    comment: str


class ActionIn(Schema):
    reason: str = PydanticField("", max_length=4000)
    comment: str = PydanticField("", max_length=4000)
    components: list[str] = []
    documents: list[DocumentIn] = []
    assignee: str | None = None
    amount: int | None = None
    outcome: Literal["granted", "refused"] | None = None
    new_due_at: dt.datetime | None = None


class LookupEvent(Schema):
    at: str
    status: str | None


class LookupOut(Schema):
    code: str
    procedure: str
    agency: str
    applicant: str
    status: str
    status_code: int
    received_at: str | None
    due_at: str | None
    finished_at: str | None
    timeline: list[LookupEvent]


def _ward(address: AddressIn | None) -> str | None:
    if address is None or address.ward_code in (None, ""):
        return None
    code = str(address.ward_code)
    return f"{int(code):05d}" if code.isdigit() else code


@router.post(
    "/uploads",
    response={201: UploadOut},
    auth=client_bearer(ClientScope.DOSSIERS_SUBMIT),
    summary="Upload a file for a dossier",
    description=(
        "A signed-in user's upload is theirs; an API client's (scope `dossiers:submit`) is the client's. "
        "A dossier only takes its submitter's own uploads, each once."
    ),
)
def upload(request: HttpRequest, file: File[UploadedFile]) -> Status[Any]:
    client = client_scopes.client_of(request)
    principal: dict[str, Any] = {"client": client} if client is not None else {"owner": request.user}
    if (file.size or 0) > settings.MAX_UPLOAD_BYTES:  # refused before reading it: 413
        uploads.upload_create(**principal, file=file)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    fingerprint = hashlib.sha256(f"{file.name}|{digest.hexdigest()}".encode()).hexdigest()

    def produce() -> tuple[int, dict[str, Any]]:
        stored = uploads.upload_create(**principal, file=file)
        return 201, {
            "id": stored.pk,
            "name": stored.name,
            "size": stored.size,
            "sha256": stored.sha256,
            "content_type": stored.content_type,
        }

    endpoint = client_scopes.idempotency_endpoint(request, "POST /uploads")
    return idempotency.run(request, endpoint, produce, fingerprint=fingerprint)


@router.post(
    "/dossiers",
    response={201: DossierOut},
    auth=client_bearer(ClientScope.DOSSIERS_SUBMIT),
    summary="Submit a dossier",
)
def submit(request: HttpRequest, payload: SubmitIn) -> Status[Any]:
    actor = client_scopes.submission_actor(request, payload.agency)  # the user, or a client of this agency
    address = payload.applicant.address
    data = services.SubmissionData(
        procedure=payload.procedure,
        agency=payload.agency,
        channel=payload.channel,
        applicant=services.ApplicantData(
            kind=payload.applicant.kind,
            full_name=payload.applicant.full_name,
            id_number=payload.applicant.id_number,
            birth_date=payload.applicant.birth_date,
            phone=payload.applicant.phone,
            email=payload.applicant.email,
            ward_code=_ward(address),
            address_line=address.line if address else "",
        ),
        form=payload.form,
        documents=[
            services.DocumentData(component=d.component, upload_id=d.file, copy_kind=d.copy_kind)
            for d in payload.documents
        ],
        delivery_method=payload.delivery.method,
        delivery_ward_code=_ward(payload.delivery.address),
        delivery_address=payload.delivery.address.line if payload.delivery.address else "",
        reception_point=payload.reception_point,
    )

    def produce() -> tuple[int, dict[str, Any]]:
        # The submitter may see what it submitted (its account, its agency, or the client's agency: checked
        # above), and the dossier returned has its procedure, agencies and fees in memory: shown as it is.
        dossier = services.dossier_submit(actor=actor, data=data, client=client_scopes.client_of(request))
        return 201, dossier_out(dossier, fees=getattr(dossier, services.SUBMITTED_FEES))

    return idempotency.run(request, client_scopes.idempotency_endpoint(request, "POST /dossiers"), produce)


class DossierFilters(Schema):
    status: DossierStatus | None = None
    agency: str = PydanticField("", max_length=20)
    overdue: bool | None = None
    assigned_to_me: bool = False
    cursor: str | None = PydanticField(None, max_length=500)
    page_size: int = PydanticField(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


@router.get(
    "/dossiers",
    response=DossierPage,
    auth=client_bearer(ClientScope.DOSSIERS_READ),
    summary="Dossiers the caller may see",
)
def list_dossiers(request: HttpRequest, filters: Query[DossierFilters]) -> HttpResponse:
    # staff: by role; API clients: the dossiers of their agencies; anyone else: 403
    # newest first; the cursor is the (submitted_at, pk) of the last row
    after = None
    if filters.cursor:
        raw = decode_cursor(filters.cursor)
        try:
            stamp, pk = raw.rsplit("|", 1)
            after = (dt.datetime.fromisoformat(stamp), int(pk))
        except ValueError as exc:
            raise HttpError(400, "Invalid cursor") from exc
        if after[0].tzinfo is None or not 0 < after[1] < 2**63:  # as the API wrote it: aware, a row's id
            raise HttpError(400, "Invalid cursor")
    names = ("pk", *DOSSIER_OUT_FIELDS)
    wanted = selectors.ListFilters(
        status=filters.status.value if filters.status else "",
        agency=filters.agency,
        overdue=filters.overdue,
        assigned_to_me=filters.assigned_to_me,
        after=after,
    )
    found = client_scopes.dossier_list_rows(request, names, wanted, limit=filters.page_size + 1)
    page = [dict(zip(names, row, strict=True)) for row in found]
    next_cursor = None
    if len(page) > filters.page_size:
        page = page[: filters.page_size]
        next_cursor = encode_cursor(f"{page[-1]['submitted_at'].isoformat()}|{page[-1]['pk']}")
    # built to DossierPage field by field (`_dossier_answer`): written without Ninja's validation of it
    return written({"items": dossier_items(page, databases.db_for_read(DossierFee)), "next": next_cursor})


@router.get(
    "/dossiers/{code}", response=DossierOut, auth=client_bearer(ClientScope.DOSSIERS_READ), summary="One dossier"
)
def get_dossier(request: HttpRequest, code: str) -> dict[str, Any]:
    return dossier_out(client_scopes.dossier_for(request, code))


@router.get("/dossiers/{code}/history", response=list[EventOut], auth=bearer, summary="The dossier's events")
def get_history(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    dossier = selectors.dossier_for(request.user, code)
    return [
        {
            "at": _iso(e.at),
            "actor": e.actor_name,
            "action": e.action,
            "from_status": e.from_status or None,
            "to_status": e.to_status or None,
            "step": e.step or None,
            "comment": e.comment,
        }
        for e in selectors.history(dossier)
    ]


def _staff_by_username(username: str | None) -> Staff | None:
    if not username:
        return None
    staff = Staff.objects.filter(user__username=username, is_active=True).select_related("user").first()
    if staff is None:
        raise InvalidInput(
            detail="Unknown assignee.", errors=[FieldError("assignee", "No active staff with this username.")]
        )
    return staff


def _perform(request: HttpRequest, dossier: Dossier, action: Action, body: ActionIn) -> Dossier:
    revision = None
    if_match = request.headers.get("If-Match", "").strip().strip('"')
    if if_match:
        if not if_match.isdigit():
            raise InvalidInput(
                detail="If-Match must be the dossier revision.", errors=[FieldError("If-Match", "a number")]
            )
        revision = int(if_match)
    user = request.user
    common: dict[str, Any] = {"dossier": dossier, "actor": user, "expected_revision": revision}
    docs = [
        services.DocumentData(component=d.component, upload_id=d.file, copy_kind=d.copy_kind) for d in body.documents
    ]
    match action:
        case Action.RECEIVE:
            return services.dossier_receive(**common)
        case Action.REJECT:
            return services.dossier_reject(**common, reason=body.reason)
        case Action.REQUEST_SUPPLEMENT:
            return services.dossier_request_supplement(**common, reason=body.reason, components=body.components)
        case Action.SUPPLEMENT:
            return services.dossier_supplement(**common, documents=docs)
        case Action.FORWARD:
            return services.dossier_forward(**common, assignee=_staff_by_username(body.assignee), comment=body.comment)
        case Action.SEND_BACK:
            return services.dossier_send_back(**common, comment=body.comment or body.reason)
        case Action.ASSIGN:
            assignee = _staff_by_username(body.assignee)
            if assignee is None:
                raise InvalidInput(detail="Choose an assignee.", errors=[FieldError("assignee", "required")])
            return services.dossier_assign(**common, assignee=assignee)
        case Action.REQUEST_PAYMENT:
            if body.amount is None:
                raise InvalidInput(detail="Amount is required.", errors=[FieldError("amount", "required")])
            return services.dossier_request_payment(**common, amount=body.amount, reason=body.reason)
        case Action.CONFIRM_PAYMENT:
            return services.dossier_confirm_payment(**common)
        case Action.APPROVE:
            if body.outcome is None:
                raise InvalidInput(detail="Outcome is required.", errors=[FieldError("outcome", "granted or refused")])
            return services.dossier_approve(**common, outcome=body.outcome, comment=body.comment)
        case Action.EXTEND:
            if body.new_due_at is None:
                raise InvalidInput(detail="new_due_at is required.", errors=[FieldError("new_due_at", "required")])
            new_due = body.new_due_at
            if timezone.is_naive(new_due):
                new_due = timezone.make_aware(new_due)
            return services.dossier_extend(**common, new_due_at=new_due, reason=body.reason)
        case Action.STOP:
            return services.dossier_stop(**common, reason=body.reason)
        case Action.WITHDRAW:
            return services.dossier_withdraw(**common, reason=body.reason)
        case Action.RETURN_RESULT:
            return services.dossier_return_result(**common)
    raise HttpError(404, "Unknown action")


@router.post("/dossiers/{code}/actions/{action}", response=DossierOut, auth=bearer, summary="Perform an action")
def act(request: HttpRequest, code: str, action: str, body: ActionIn | None = None) -> Status[Any]:
    try:
        chosen = Action(action)
    except ValueError as exc:
        raise HttpError(404, "Unknown action") from exc
    # Visible to the caller, or 404 (as `selectors.dossier_for`). Only its id is read: the service locks and
    # reads the row itself (reading the whole row and its procedure's texts here was a third of the request).
    found = selectors.visible_dossier_id(request.user, code)
    if found is None:
        raise NotFound("No dossier with this code.")
    dossier = Dossier(pk=found, code=code)
    payload = body or ActionIn.model_validate({})

    def produce() -> tuple[int, dict[str, Any]]:
        # An action changes neither the account nor the agencies a dossier is seen through, so the caller still
        # sees it; the service returns it as saved, with its procedure, agencies and current step loaded.
        done = _perform(request, dossier, chosen, payload)
        return 200, dossier_out(done, fees=selectors.fees_of(done.pk))

    return idempotency.run(request, f"POST /dossiers/{code}/actions/{action}", produce)


LOOKUP_LIMIT_PER_MINUTE = 20


@router.get("/lookup", response=LookupOut, summary="Public status of a dossier by code and ID number")
def lookup(
    request: HttpRequest,
    code: str = Query(..., max_length=40),
    id_number: str = Query(..., max_length=20),
) -> dict[str, Any]:
    client = ratelimit.client_address(request)
    if not ratelimit.hit(
        "lookup", client, limit=getattr(settings, "LOOKUP_RATE_PER_MINUTE", LOOKUP_LIMIT_PER_MINUTE), window_seconds=60
    ):
        raise HttpError(429, "Too many lookups; try again in a minute.")
    dossier = selectors.public_lookup(code=code.strip(), id_number=id_number.strip())
    return public_status(dossier)


def public_status(dossier: Dossier) -> dict[str, Any]:
    seen = [{"at": _iso(at), "status": status} for at, status in selectors.public_timeline(dossier)]
    return {
        "code": dossier.code,
        "procedure": dossier.procedure_version.name,
        "agency": dossier.receiving_agency.name,
        "applicant": selectors.mask_name(dossier.applicant_name),
        "status": dossier.status,
        "status_code": NATIONAL_STATUS_CODE[dossier.status],
        "received_at": _iso(dossier.received_at),
        "due_at": _iso(dossier.due_at),
        "finished_at": _iso(dossier.finished_at),
        "timeline": seen,
    }


@router.get(
    "/dossiers/{code}/forms/{form}",
    auth=bearer,
    summary="An official form of the dossier as PDF (01–05, handover)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The form, A5 PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            },
            404: {"description": "No such dossier for the caller, or the dossier has no such form"},
        }
    },
)
def get_form(request: HttpRequest, code: str, form: str) -> HttpResponse:
    dossier = selectors.dossier_for(request.user, code)  # NotFound (404 problem) when not visible
    pdf = official_forms.render_form(dossier, form)  # NotFound when the dossier has no such form
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{dossier.code}-{form}.pdf"'
    return response
