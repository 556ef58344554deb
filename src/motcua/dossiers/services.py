"""Writes to dossiers: submission and every lifecycle action.

Each action is one service that locks the dossier row, checks the transition table, the actor's role and
agency, changes the dossier, and writes an audit event and an outbox event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.catalog import services as catalog_services
from motcua.catalog.models import Component, CopyKind, FeeLine, OnlineMode, Procedure, ProcedureVersion, StepAction
from motcua.core import audit, outbox, rows
from motcua.core.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound
from motcua.dossiers import clock, process
from motcua.dossiers.codes import next_dossier_code
from motcua.dossiers.lifecycle import TRANSITIONS, Action, allowed_actions, require_transition
from motcua.dossiers.models import (
    ApplicantKind,
    Channel,
    Delivery,
    Document,
    Dossier,
    DossierFee,
    DossierStep,
    Outcome,
    Status,
    Timeliness,
    Upload,
)
from motcua.dossiers.selectors import LIST_DEFERRED
from motcua.dossiers.uploads import attachable_of, submitter, upload_create
from motcua.org import access
from motcua.org.models import AdministrativeUnit, Agency, ReceptionPoint, Role, Staff
from motcua.reports.signals import COUNTED_STATUS

ID_NUMBER_RE = re.compile(r"^\d{12}$")
TAX_CODE_RE = re.compile(r"^\d{10}(-\d{3})?$")
ONLINE_RECEPTION_HOURS = Decimal(8)

_P = ParamSpec("_P")
_T = TypeVar("_T")


@dataclass
class ApplicantData:
    kind: str
    full_name: str
    id_number: str = ""
    birth_date: dt.date | None = None
    phone: str = ""
    email: str = ""
    ward_code: str | None = None
    address_line: str = ""


@dataclass
class DocumentData:
    """One component provided: a file (`upload_id`), or at the counter a paper copy without a scan (None)."""

    component: str
    upload_id: int | None
    copy_kind: str = "electronic"
    reused: bool = False


@dataclass
class SubmissionData:
    procedure: str
    agency: str
    channel: str
    applicant: ApplicantData
    form: dict[str, Any] = field(default_factory=dict)
    documents: list[DocumentData] = field(default_factory=list)
    delivery_method: str = Delivery.COUNTER
    delivery_ward_code: str | None = None
    delivery_address: str = ""
    owner_name: str = ""
    owner_id_number: str = ""
    reception_point: str | None = None
    # online, when the procedure may be received anywhere: the service centre the applicant chose
    receiving_agency: str = ""


_ENCLOSED: ContextVar[bool] = ContextVar("motcua_dossier_services_enclosed", default=False)


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """One transaction around service calls, rolled back whole when any of them raises.

    Inside it the services add no savepoint of their own (a SAVEPOINT and a RELEASE: two round trips each):
    a savepoint only matters to a caller that catches a service's error and goes on in the same transaction,
    which a caller of this must not do. The API's idempotent writes run in it (the service and the
    idempotency record commit together, or neither does).
    """
    with transaction.atomic():
        token = _ENCLOSED.set(True)
        try:
            yield
        finally:
            _ENCLOSED.reset(token)


def _atomic(function: Callable[_P, _T]) -> Callable[_P, _T]:
    """`transaction.atomic` for a service: its own transaction or savepoint, none inside `all_or_nothing()`."""

    @functools.wraps(function)
    def in_transaction(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        with transaction.atomic(savepoint=not _ENCLOSED.get()):
            return function(*args, **kwargs)

    return in_transaction


#: how the code of a dossier being submitted begins until its number is taken, at the end of the transaction
#: (never seen outside it; a code never begins so: codes begin with the agency code)
PROVISIONAL_CODE_PREFIX = "~"

#: the attribute of a dossier returned by `dossier_submit` holding its fee lines as created (a list)
SUBMITTED_FEES = "submitted_fees"


# The reads of a submission, compiled once (`rows.Prepared`): at a million dossiers its CPU was mostly the ORM
# compiling SQL (docs/performance.md).
_COMPETENT = rows.Prepared(
    lambda: Agency.objects.filter(
        procedure_versions=rows.param(ProcedureVersion, "id", "version"),
        code=rows.param(Agency, "code"),
        is_active=True,
    ).order_by("pk")[:1]
)
_WARD = rows.Prepared(lambda: AdministrativeUnit.objects.filter(code=rows.param(AdministrativeUnit, "code"))[:1])
_COMPONENTS = rows.Prepared(lambda: Component.objects.filter(version=rows.param(Component, "version")))
_FEES = rows.Prepared(lambda: FeeLine.objects.filter(version=rows.param(FeeLine, "version")))


def _centres(siblings: bool) -> models.QuerySet[Agency]:
    """The service centres that may receive for an agency: its own (a child), and its siblings' if it has a
    parent (see `receiving_centre_for`)."""
    near = models.Q(parent=rows.param(Agency, "parent", "agency"))
    if siblings:
        near |= models.Q(parent=rows.param(Agency, "parent"))
    return Agency.objects.filter(near, kind=Agency.Kind.SERVICE_CENTRE, is_active=True).order_by("code")


_CENTRES = {siblings: rows.Prepared(functools.partial(_centres, siblings)) for siblings in (False, True)}


def _own_upload_query(kind: str) -> models.QuerySet[Upload]:
    """`_own_upload` for a kind of submitter (`uploads.submitter`): the upload `pk` if it is `who`'s, locked."""
    who = rows.param(Upload, "client" if kind == "client" else "owner", "who")
    return attachable_of(kind, who).select_for_update().filter(pk=rows.param(Upload, "id", "pk"))[:1]


_OWN_UPLOAD = {
    kind: rows.Prepared(functools.partial(_own_upload_query, kind)) for kind in ("client", "user", "system", "nobody")
}


def stream(dossier: Dossier) -> str:
    return f"dossier:{dossier.pk}"


def _staff(user: Any) -> Staff | None:
    return access.staff_of(user)


def _is_owner(user: Any, dossier: Dossier) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and dossier.account_id == user.pk


def receiving_centre_for(agency: Agency) -> Agency:
    """The one-stop unit that receives dossiers for `agency`: the service centre of its level."""
    if agency.is_service_centre:
        return agency
    # its own centre (a child) first, else one of its siblings: both kinds of candidate in one query
    if agency.parent_id is None:
        centres = _CENTRES[False].all(agency=agency.pk)
    else:
        centres = _CENTRES[True].all(agency=agency.pk, parent=agency.parent_id)
    own = next((centre for centre in centres if centre.parent_id == agency.pk), None)
    if own is not None:
        return own
    sibling = next((centre for centre in centres if centre.parent_id == agency.parent_id), None)
    return sibling if sibling is not None else agency


def _validate_applicant(applicant: ApplicantData, errors: list[FieldError]) -> AdministrativeUnit | None:
    if applicant.kind not in ApplicantKind.values:
        errors.append(FieldError("applicant.kind", _("Loại người nộp không hợp lệ.")))
    if not applicant.full_name.strip():
        errors.append(FieldError("applicant.full_name", _("Nhập họ và tên.")))
    if applicant.kind == ApplicantKind.CITIZEN and not ID_NUMBER_RE.match(applicant.id_number):
        errors.append(FieldError("applicant.id_number", _("Số định danh cá nhân phải gồm đúng 12 chữ số.")))
    if applicant.kind == ApplicantKind.BUSINESS and not TAX_CODE_RE.match(applicant.id_number):
        errors.append(
            FieldError(
                "applicant.id_number", _("Mã số thuế phải gồm 10 chữ số (hoặc 10 chữ số, gạch ngang, 3 chữ số).")
            )
        )
    if applicant.birth_date is not None and applicant.birth_date > timezone.localdate():
        errors.append(FieldError("applicant.birth_date", _("Ngày sinh không được ở tương lai.")))
    ward = None
    if applicant.ward_code:
        ward = _WARD.first(code=applicant.ward_code)
        if ward is None:
            errors.append(FieldError("applicant.address.ward_code", _("Không có xã, phường với mã này.")))
    return ward


@_atomic
def dossier_submit(*, actor: Any, data: SubmissionData, at: dt.datetime | None = None, client: Any = None) -> Dossier:
    """Nộp hồ sơ: a citizen online, an officer at the counter, or an API client; status `submitted`.

    `client` is the API client submitting (then `actor` is only its name for the audit trail). Files are
    taken only from the submitter's own unattached uploads (`uploads.attachable`).
    """
    now = at or timezone.now()
    staff = _staff(actor)
    errors: list[FieldError] = []
    version = catalog_services.version_in_force_by_code(code=data.procedure, at=now)
    if version is None or version.status != "published":
        raise InvalidInput(
            detail=_("Thủ tục không tồn tại hoặc không còn áp dụng."),
            errors=[FieldError("procedure", _("Không có thủ tục đang áp dụng với mã này."))],
        )
    competent = _COMPETENT.first(version=version.pk, code=data.agency)
    if competent is None:
        errors.append(FieldError("agency", _("Cơ quan này không thực hiện thủ tục.")))
    if data.channel not in Channel.values:
        errors.append(FieldError("channel", _("Kênh nộp không hợp lệ.")))
    elif data.channel == Channel.ONLINE and version.online_mode == OnlineMode.NONE:
        errors.append(FieldError("channel", _("Thủ tục này chưa cung cấp dịch vụ công trực tuyến.")))
    elif data.channel != Channel.ONLINE and version.online_only:
        errors.append(FieldError("channel", _("Thủ tục này chỉ tiếp nhận trực tuyến.")))
    if data.delivery_method not in Delivery.values:
        errors.append(FieldError("delivery.method", _("Hình thức nhận kết quả không hợp lệ.")))
    ward = _validate_applicant(data.applicant, errors)
    delivery_ward = None
    if data.delivery_method == Delivery.POST:
        delivery_ward = _WARD.first(code=data.delivery_ward_code or "")
        if delivery_ward is None or not data.delivery_address.strip():
            errors.append(FieldError("delivery.address", _("Nhập địa chỉ nhận kết quả qua bưu chính.")))

    # who submits through which channel
    if staff is not None:
        if data.channel == Channel.ONLINE:
            errors.append(FieldError("channel", _("Cán bộ tiếp nhận hồ sơ trực tiếp hoặc qua bưu chính.")))
        if not access.can(actor, access.Permission.RECEIVE_DOSSIER, staff.agency):
            raise PermissionDenied("receive")
    elif data.channel != Channel.ONLINE:
        errors.append(FieldError("channel", _("Công dân nộp hồ sơ trực tuyến.")))

    components = {c.code: c for c in _COMPONENTS.all(version=version.pk)}
    uploads: list[tuple[DocumentData, Upload | None]] = []
    for index, doc in enumerate(data.documents):
        if doc.component not in components:
            errors.append(FieldError(f"documents[{index}].component", _("Thành phần hồ sơ không thuộc thủ tục.")))
            continue
        if doc.copy_kind not in CopyKind.values:
            errors.append(FieldError(f"documents[{index}].copy_kind", _("Loại bản không hợp lệ.")))
            continue
        if doc.upload_id is None:
            # a paper component checked at the counter and not scanned: recorded, with no file
            if data.channel == Channel.ONLINE or doc.copy_kind == CopyKind.ELECTRONIC:
                errors.append(FieldError(f"documents[{index}].file", _("Đính kèm tệp của thành phần này.")))
            else:
                uploads.append((doc, None))
            continue
        upload = _own_upload(doc.upload_id, actor=actor, client=client)
        if upload is None:
            errors.append(FieldError(f"documents[{index}].file", _("Không tìm thấy tệp đã tải lên.")))
            continue
        uploads.append((doc, upload))
    if data.channel == Channel.ONLINE:
        provided = {doc.component for doc, _upload in uploads}
        for code, component in components.items():
            if component.required and code not in provided:
                errors.append(
                    FieldError("documents", _("Thiếu thành phần bắt buộc: %(name)s") % {"name": component.name})
                )
    if version.eform_schema:
        from motcua.catalog import eforms  # the version's e-form (tờ khai điện tử); the coerced data is stored

        data.form, form_errors = eforms.validate(version.eform_schema, data.form, version.eform_ui)
        errors.extend(FieldError(f"form.{e.field}" if e.field else "form", e.message) for e in form_errors)
    chosen_centre = _chosen_centre(data, version, competent, staff, errors)
    if errors or competent is None:
        raise InvalidInput(detail=_("Hồ sơ chưa hợp lệ."), errors=errors)

    receiving = staff.agency if staff is not None else chosen_centre or receiving_centre_for(competent)
    reception_point = None
    if data.reception_point:
        reception_point = ReceptionPoint.objects.filter(agency=receiving, code=data.reception_point).first()
    dossier = Dossier(
        # a placeholder until the day's number is taken, last (below)
        code=f"{PROVISIONAL_CODE_PREFIX}{uuid.uuid4().hex}",
        procedure=version.procedure,
        procedure_version=version,
        channel=data.channel,
        reception_point=reception_point,
        receiving_agency=receiving,
        competent_agency=competent,
        applicant_kind=data.applicant.kind,
        applicant_name=data.applicant.full_name.strip(),
        applicant_id_number=data.applicant.id_number,
        applicant_birth_date=data.applicant.birth_date,
        applicant_phone=data.applicant.phone,
        applicant_email=data.applicant.email,
        applicant_ward=ward,
        applicant_address=data.applicant.address_line,
        owner_name=data.owner_name,
        owner_id_number=data.owner_id_number,
        account=actor if staff is None and getattr(actor, "is_authenticated", False) else None,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
        form_data=data.form,
        delivery_method=data.delivery_method,
        delivery_ward=delivery_ward,
        delivery_address=data.delivery_address,
        status=Status.SUBMITTED,
        submitted_at=now,
    )
    if data.channel == Channel.ONLINE:
        dossier.reception_due_at = clock.add_hours(now, ONLINE_RECEPTION_HOURS)
    dossier.save()
    # Fees and documents in one INSERT each. (Saved one by one, each would also ask the statistics to re-read
    # the dossier's flags, which count for nothing before reception: nothing to do for a dossier just submitted.)
    online = data.channel == Channel.ONLINE
    fees = DossierFee.objects.bulk_create(
        DossierFee(
            dossier=dossier,
            name=fee.name,
            kind=fee.kind,
            amount=fee.online_amount if online and fee.online_amount is not None else fee.amount,
            collected_at=fee.collected_at,
        )
        for fee in _FEES.all(version=version.pk)
    )
    _attach_all(dossier, [(doc, upload, components[doc.component].name) for doc, upload in uploads], actor, 0)
    # The day's number last: taking it locks the agency's counter row until COMMIT, and every other submission
    # to the agency that day waits for it. Taken first, the lock spanned the whole transaction and submissions
    # queued on it (docs/performance.md); the numbers stay without gaps (a failed submission takes none).
    dossier.code = next_dossier_code(agency=receiving, at=now)
    Dossier.objects.filter(pk=dossier.pk).update(code=dossier.code)
    audit.record(
        stream=stream(dossier),
        actor=actor,
        action="submit",
        to_status=Status.SUBMITTED,
        at=now,
        data={"channel": data.channel, "code": dossier.code},
        new_stream=True,  # the dossier was created just now: its trail starts here
    )
    outbox.emit("dossier.submitted", subject=dossier.code, payload={"code": dossier.code})
    # the fee lines as created, for a caller that shows them at once (the API) without reading them back;
    # `dossier.fees` itself stays a live query (a later payment must be seen)
    setattr(dossier, SUBMITTED_FEES, fees)
    return dossier


def _own_upload(upload_id: int, *, actor: Any, client: Any) -> Upload | None:
    """The submitter's own upload `upload_id` not attached to any dossier yet, locked; None when it is
    anyone else's (another user's, a client's, motcua's) or already attached."""
    kind, who = submitter(actor=actor, client=client)
    return _OWN_UPLOAD[kind].first(pk=upload_id, **({"who": who} if who is not None else {}))


def _chosen_centre(
    data: SubmissionData, version: Any, competent: Agency | None, staff: Staff | None, errors: list[FieldError]
) -> Agency | None:
    """The service centre an online applicant chose to receive the dossier (procedures received anywhere)."""
    if not data.receiving_agency or staff is not None or competent is None:
        return None
    centre = Agency.objects.filter(code=data.receiving_agency, kind=Agency.Kind.SERVICE_CENTRE, is_active=True).first()
    same_province = centre is not None and (
        centre.administrative_unit.province().pk == competent.administrative_unit.province().pk
    )
    if centre is None or not same_province:
        errors.append(FieldError("receiving_agency", _("Không có điểm tiếp nhận này trong tỉnh.")))
        return None
    if not version.any_reception_point and centre != receiving_centre_for(competent):
        errors.append(
            FieldError(
                "receiving_agency", _("Thủ tục này chỉ tiếp nhận tại Bộ phận Một cửa của cơ quan có thẩm quyền.")
            )
        )
        return None
    return centre


def _document(
    dossier: Dossier, doc: DocumentData, upload: Upload | None, name: str, actor: Any, round_number: int
) -> Document:
    """The document row for one component (not saved)."""
    if upload is None:  # paper only
        return Document(
            dossier=dossier,
            component_code=doc.component,
            component_name=name,
            copy_kind=doc.copy_kind,
            file="",
            original_name="",
            content_type="",
            size=0,
            sha256="",
            supplement_round=round_number,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    return Document(
        dossier=dossier,
        component_code=doc.component,
        component_name=name,
        copy_kind=doc.copy_kind,
        file=upload.file.name,
        original_name=upload.name,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
        reused=doc.reused,
        supplement_round=round_number,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _attach(
    dossier: Dossier, doc: DocumentData, upload: Upload | None, name: str, actor: Any, round_number: int
) -> Document:
    if upload is not None:
        upload.used_by = dossier
        upload.save(update_fields=["used_by"])
    document = _document(dossier, doc, upload, name, actor, round_number)
    document.save(force_insert=True)
    return document


def _attach_all(
    dossier: Dossier, items: Sequence[tuple[DocumentData, Upload | None, str]], actor: Any, round_number: int
) -> list[Document]:
    """Attach the documents of a new dossier: one UPDATE for the uploads, one INSERT for the documents.

    Only for a dossier not received yet (the statistics read its files at reception; see `dossier_submit`).
    """
    if not items:
        return []
    files = [upload for _doc, upload, _name in items if upload is not None]
    if files:
        Upload.objects.filter(pk__in=[upload.pk for upload in files]).update(used_by=dossier)
        for upload in files:
            upload.used_by = dossier
    return Document.objects.bulk_create(
        _document(dossier, doc, upload, name, actor, round_number) for doc, upload, name in items
    )


class CounterDecision(models.TextChoices):
    RECEIVE = "receive", gettext_lazy("Tiếp nhận")
    REQUEST_SUPPLEMENT = "request_supplement", gettext_lazy("Yêu cầu bổ sung")
    REJECT = "reject", gettext_lazy("Từ chối tiếp nhận")


def dossier_counter_reception(
    *,
    actor: Any,
    data: SubmissionData,
    decision: str,
    reason: str = "",
    components: Sequence[str] = (),
    scans: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Tiếp nhận tại quầy: the officer records the dossier and decides at once, in one transaction.

    Receive (form 01), ask for a supplement (form 02) or refuse (form 03). `scans` maps a component code
    to an uploaded file (the scan of the paper); it replaces that component's `upload_id`. Nothing is kept
    when any part fails: no dossier, no code used up, no upload, no stored file.
    """
    with _scans() as stored:
        return _counter_reception(
            actor=actor,
            data=data,
            decision=decision,
            reason=reason,
            components=components,
            scans=scans or {},
            stored=stored,
            at=at,
        )


@contextmanager
def _scans() -> Iterator[list[Upload]]:
    """Uploads stored while a transaction runs: their files are deleted when it fails (rows roll back)."""
    stored: list[Upload] = []
    try:
        yield stored
    except BaseException:
        for upload in stored:
            upload.file.delete(save=False)
        raise


def _store_scan(actor: Any, file: Any, field: str, stored: list[Upload]) -> int:
    """Check and store a scan handed in at the counter; its errors name `field`."""
    try:
        upload = upload_create(owner=actor, file=file)
    except DomainError as exc:
        for error in exc.errors:
            error.field = field
        raise
    stored.append(upload)
    return upload.pk


@_atomic
def _counter_reception(
    *,
    actor: Any,
    data: SubmissionData,
    decision: str,
    reason: str,
    components: Sequence[str],
    scans: Mapping[str, Any],
    stored: list[Upload],
    at: dt.datetime | None,
) -> Dossier:
    if decision not in CounterDecision.values:
        raise InvalidInput(detail=_("Chọn cách xử lý hồ sơ."), errors=[FieldError("decision", _("Không hợp lệ."))])
    if decision != CounterDecision.RECEIVE:
        _need_text(reason, "reason")
    if decision == CounterDecision.REQUEST_SUPPLEMENT and not components:
        raise InvalidInput(
            detail=_("Chọn thành phần cần bổ sung."),
            errors=[FieldError("components", _("Chọn ít nhất một thành phần cần bổ sung."))],
        )
    if data.channel == Channel.ONLINE:
        raise InvalidInput(
            detail=_("Hồ sơ tại quầy nộp trực tiếp hoặc qua bưu chính."),
            errors=[FieldError("channel", _("Không hợp lệ."))],
        )
    staff = _staff(actor)
    if staff is None or not access.can(actor, access.Permission.RECEIVE_DOSSIER, staff.agency):
        raise PermissionDenied("receive")
    for doc in data.documents:
        scan = scans.get(doc.component)
        if scan is not None:
            doc.upload_id = _store_scan(actor, scan, f"scan.{doc.component}", stored)
    dossier = dossier_submit(actor=actor, data=data, at=at)
    if decision == CounterDecision.RECEIVE:
        return dossier_receive(dossier=dossier, actor=actor, at=at)
    if decision == CounterDecision.REQUEST_SUPPLEMENT:
        return dossier_request_supplement(dossier=dossier, actor=actor, reason=reason, components=components, at=at)
    return dossier_reject(dossier=dossier, actor=actor, reason=reason, at=at)


# ---- actions ------------------------------------------------------------------------------------------


_UNKNOWN = object()


@dataclass(frozen=True)
class _LockStatements:
    dossier: str  # the dossier row locked, with its procedure, version and two agencies
    step: str  # its current step with the assignee and the assignee's user, and the dossier's last step number
    shapes: tuple[rows.Shape, ...]  # dossier, procedure, version, receiving agency, competent agency
    step_shapes: tuple[rows.Shape, ...]  # step, staff, user


@functools.cache
def _lock_statements(using: str) -> _LockStatements:
    """The two reads of `_lock` as SQL written once per process (the ORM compiled them in 4.5 ms; core/rows.py)."""
    connection = connections[using]
    version_deferred = [name.split("__", 1)[1] for name in LIST_DEFERRED if name.startswith("procedure_version__")]
    shapes = (
        rows.Shape(Dossier, "d", leave_out=[name for name in LIST_DEFERRED if "__" not in name]),
        rows.Shape(Procedure, "p"),
        rows.Shape(ProcedureVersion, "v", leave_out=version_deferred),
        rows.Shape(Agency, "ra"),
        rows.Shape(Agency, "ca"),
    )

    def column(model: type[models.Model], name: str) -> str:
        return rows.column(model, name, using)

    def table(model: type[models.Model]) -> str:
        return rows.table(model, using)

    pk = rows.column(Dossier, "id", using)  # every table here names its key `id`
    lock = ""
    if connection.features.has_select_for_update:
        # only the dossier row: the agencies and the version it joins are read, not locked, so actions on two
        # dossiers of one agency do not wait for each other on the agency's row
        lock = " FOR UPDATE OF d" if connection.features.has_select_for_update_of else " FOR UPDATE"
    dossier_sql = (
        f"SELECT {', '.join(shape.columns(using) for shape in shapes)} "  # noqa: S608 - names from the models
        f"FROM {table(Dossier)} d "
        f"INNER JOIN {table(Procedure)} p ON p.{pk} = d.{column(Dossier, 'procedure')} "
        f"INNER JOIN {table(ProcedureVersion)} v ON v.{pk} = d.{column(Dossier, 'procedure_version')} "
        f"INNER JOIN {table(Agency)} ra ON ra.{pk} = d.{column(Dossier, 'receiving_agency')} "
        f"INNER JOIN {table(Agency)} ca ON ca.{pk} = d.{column(Dossier, 'competent_agency')} "
        f"WHERE d.{pk} = %s{lock}"
    )
    user_model = get_user_model()
    step_shapes = (rows.Shape(DossierStep, "s"), rows.Shape(Staff, "st"), rows.Shape(user_model, "u"))
    sequence = column(DossierStep, "sequence")
    step_sql = (
        f"SELECT {', '.join(shape.columns(using) for shape in step_shapes)}, "  # noqa: S608 - names from the models
        f"(SELECT l.{sequence} FROM {table(DossierStep)} l WHERE l.{column(DossierStep, 'dossier')} = "
        f"s.{column(DossierStep, 'dossier')} ORDER BY l.{sequence} DESC LIMIT 1) "
        f"FROM {table(DossierStep)} s "
        f"LEFT JOIN {table(Staff)} st ON st.{pk} = s.{column(DossierStep, 'assignee')} "
        f"LEFT JOIN {table(user_model)} u ON u.{pk} = st.{column(Staff, 'user')} "
        f"WHERE s.{pk} = %s"
    )
    return _LockStatements(dossier_sql, step_sql, shapes, step_shapes)


def _lock(dossier: Dossier, expected_revision: int | None) -> Dossier:
    """The dossier row locked for an action, as `select_for_update(of=("self",))` with its procedure, version
    and agencies (`select_related`) and without the long columns (`LIST_DEFERRED`, read if an action needs
    them), then its current step; SQL written once (`_lock_statements`)."""
    using = router.db_for_write(Dossier)
    statements = _lock_statements(using)
    row = rows.fetch_one(using, statements.dossier, [dossier.pk])
    if row is None:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    start = 0
    built = []
    for shape in statements.shapes:
        built.append(shape.build(row, start, using))
        start += len(shape)
    locked, procedure, version, receiving, competent = built
    for name, related in (
        ("procedure", procedure),
        ("procedure_version", version),
        ("receiving_agency", receiving),
        ("competent_agency", competent),
    ):
        rows.cache_related(locked, name, related)
    if locked.current_step_id is not None:
        # Read after the lock is held (a statement of its own sees what the previous holder committed): the
        # current step with its assignee (every action looks at them, the API shows them) and the number of
        # the dossier's last step, for the next one (`_start_step`; steps are only added under this lock).
        step_row = rows.fetch_one(using, statements.step, [locked.current_step_id])
        if step_row is None:
            raise DossierStep.DoesNotExist
        step_shape, staff_shape, user_shape = statements.step_shapes
        step = step_shape.build(step_row, 0, using)
        assignee = staff_shape.build(step_row, len(step_shape), using)
        if assignee is not None:
            rows.cache_related(assignee, "user", user_shape.build(step_row, len(step_shape) + len(staff_shape), using))
        rows.cache_related(step, "assignee", assignee)
        setattr(step, "last_in_dossier", step_row[-1])  # noqa: B010 - as the ORM's annotation did
        locked.current_step = step
        setattr(locked, "last_step_sequence", step_row[-1])  # noqa: B010
    setattr(locked, COUNTED_STATUS, locked.status)  # what the statistics hold for it (they follow every save)
    if expected_revision is not None and locked.revision != expected_revision:
        raise Conflict(_("Hồ sơ vừa được người khác cập nhật; hãy tải lại."))
    return locked


def _require(user: Any, permission: access.Permission, agency: Agency) -> Staff:
    staff = _staff(user)
    if staff is None or not access.can(user, permission, agency):
        raise PermissionDenied(permission.value)
    return staff


def _save(dossier: Dossier, *fields: str) -> None:
    dossier.revision += 1
    dossier.save(update_fields=[*fields, "revision", "updated_at"])


def _finish_step(step: DossierStep | None, now: dt.datetime, state: str = DossierStep.State.DONE) -> None:
    if step is None or step.state != DossierStep.State.ACTIVE:
        return
    step.state = state
    step.finished_at = now
    step.on_time = step.due_at is None or now <= step.due_at
    step.save(update_fields=["state", "finished_at", "on_time"])


def _start_step(dossier: Dossier, plan: process.StepPlan, now: dt.datetime, assignee: Staff | None) -> DossierStep:
    known = getattr(dossier, "last_step_sequence", _UNKNOWN)  # read with the row lock (`_lock`)
    if known is _UNKNOWN:
        known = dossier.steps.order_by("-sequence").values_list("sequence", flat=True).first()
    last = known if isinstance(known, int) else 0  # None: no step yet
    if assignee is None:
        people = process.candidates(agency=plan.agency, role=plan.role, unit=plan.unit)
        assignee = people[0] if len(people) == 1 else None
    step = DossierStep.objects.create(
        dossier=dossier,
        sequence=last + 1,
        position=plan.position,
        name=plan.name,
        role=plan.role,
        agency=plan.agency,
        unit=plan.unit,
        assignee=assignee,
        allowed_actions=list(plan.actions),
        started_at=now,
        due_at=clock.add_hours(now, plan.allotted_hours) if plan.allotted_hours else None,
    )
    dossier.current_step = step
    setattr(dossier, "last_step_sequence", step.sequence)  # noqa: B010 - an annotation of `_lock`
    if not dossier.crosses_agencies and plan.agency.pk not in (
        dossier.receiving_agency_id,
        dossier.competent_agency_id,
    ):
        dossier.crosses_agencies = True
        Dossier.objects.filter(pk=dossier.pk).update(crosses_agencies=True)
    return step


def _one_stop_step(dossier: Dossier, name: str, now: dt.datetime, staff: Staff | None) -> DossierStep:
    plan = process.StepPlan(
        0, name, Role.ONE_STOP_OFFICER, dossier.receiving_agency, None, Decimal(0), (StepAction.FORWARD,)
    )
    return _start_step(dossier, plan, now, staff)


def _step_name(dossier: Dossier) -> str:
    return dossier.current_step.name if dossier.current_step is not None else ""


def _record(
    dossier: Dossier,
    actor: Any,
    action: Action,
    before: str,
    acting_step: str,
    comment: str = "",
    now: dt.datetime | None = None,
    **data: Any,
) -> None:
    """Audit and outbox events of an action; `step` is the step at which it was taken (the new one at reception)."""
    step = acting_step or _step_name(dossier)
    audit.record(
        stream=stream(dossier),
        actor=actor,
        action=action.value,
        from_status=before,
        to_status=dossier.status,
        step=step,
        comment=comment,
        data=data,
        at=now,
    )
    outbox.emit(
        f"dossier.{action.value}",
        subject=dossier.code,
        payload={"code": dossier.code, "status": dossier.status, "from": before, **data},
    )


def _period_due(dossier: Dossier, start: dt.datetime) -> dt.datetime:
    return clock.period_due(dossier.procedure_version, start)


@_atomic
def dossier_receive(
    *, dossier: Dossier, actor: Any, expected_revision: int | None = None, at: dt.datetime | None = None
) -> Dossier:
    """Tiếp nhận: the dossier is complete; the clock starts and the appointment is set (form 01)."""
    now = at or timezone.now()
    dossier = _lock(dossier, expected_revision)
    acting = _step_name(dossier)
    staff = _require(actor, access.Permission.RECEIVE_DOSSIER, dossier.receiving_agency)
    before = dossier.status
    require_transition(before, Action.RECEIVE)
    dossier.status = Status.RECEIVED
    dossier.received_at = now
    dossier.due_at = _period_due(dossier, clock.effective_start(now))
    dossier.original_due_at = dossier.due_at
    _one_stop_step(dossier, _("Tiếp nhận hồ sơ"), now, staff)
    _save(dossier, "status", "received_at", "due_at", "original_due_at", "current_step")
    _record(dossier, actor, Action.RECEIVE, before, acting, now=now, due_at=dossier.due_at.isoformat())
    return dossier


@_atomic
def dossier_reject(
    *, dossier: Dossier, actor: Any, reason: str, expected_revision: int | None = None, at: dt.datetime | None = None
) -> Dossier:
    """Từ chối tiếp nhận (form 03)."""
    now = at or timezone.now()
    dossier = _lock(dossier, expected_revision)
    acting = _step_name(dossier)
    _require(actor, access.Permission.RECEIVE_DOSSIER, dossier.receiving_agency)
    _need_text(reason, "reason")
    before = dossier.status
    require_transition(before, Action.REJECT)
    dossier.status = Status.REJECTED
    dossier.finished_at = now
    dossier.outcome_reason = reason
    _save(dossier, "status", "finished_at", "outcome_reason")
    _record(dossier, actor, Action.REJECT, before, acting, comment=reason, now=now)
    return dossier


def _need_text(value: str, name: str) -> None:
    if not value or not value.strip():
        raise InvalidInput(
            detail=_("Thiếu thông tin bắt buộc."), errors=[FieldError(name, _("Trường này là bắt buộc."))]
        )


def _pause(dossier: Dossier, now: dt.datetime) -> None:
    dossier.status_before_pause = dossier.status
    dossier.paused_at = now


def _resume(dossier: Dossier, now: dt.datetime) -> int:
    """Restart the clock: the due instants move back by the working time of the pause."""
    if dossier.paused_at is None:
        return 0
    paused = clock.between(dossier.paused_at, now)
    minutes = int(paused.total_seconds() // 60)
    if dossier.due_at is not None and minutes:
        dossier.due_at = clock.add_hours(dossier.due_at, Decimal(minutes) / 60)
    if dossier.original_due_at is not None and minutes:
        dossier.original_due_at = clock.add_hours(dossier.original_due_at, Decimal(minutes) / 60)
    step = dossier.current_step
    if step is not None and step.due_at is not None and minutes:
        step.due_at = clock.add_hours(step.due_at, Decimal(minutes) / 60)
        step.save(update_fields=["due_at"])
    dossier.paused_minutes += minutes
    dossier.paused_at = None
    dossier.status = dossier.status_before_pause or Status.PROCESSING
    dossier.status_before_pause = ""
    return minutes


def _current_step_actor(dossier: Dossier, actor: Any, action: str) -> Staff:
    """The staff member who may act on the current step: its assignee, or (unassigned) a holder of its role."""
    staff = _staff(actor)
    step = dossier.current_step
    if staff is None or step is None:
        raise PermissionDenied(action)
    if step.state != DossierStep.State.ACTIVE:
        raise Conflict(_("Bước xử lý đã kết thúc."))
    if step.assignee_id is not None:
        if step.assignee_id == staff.pk:
            return staff
        if staff.agency_id == step.agency_id and access.can(actor, access.Permission.VIEW_AGENCY_DATA, step.agency):
            raise Conflict(_("Hồ sơ đang do cán bộ khác xử lý ở bước này."))
        raise PermissionDenied(action)
    if (
        staff.agency_id == step.agency_id
        and step.role in staff.role_set
        and (step.unit_id is None or step.unit_id == staff.unit_id)
    ):
        return staff
    raise PermissionDenied(action)


def _check_step_allows(dossier: Dossier, action: str) -> None:
    step = dossier.current_step
    if step is not None and step.role != Role.ONE_STOP_OFFICER and action not in step.allowed_actions:
        raise Conflict(_("Bước xử lý hiện tại không cho phép thao tác này."))


@_atomic
def dossier_request_supplement(
    *,
    dossier: Dossier,
    actor: Any,
    reason: str,
    components: Sequence[str],
    expected_revision: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Yêu cầu bổ sung (form 02): the clock stops until the applicant supplements."""
    now = at or timezone.now()
    dossier = _lock(dossier, expected_revision)
    acting = _step_name(dossier)
    _need_text(reason, "reason")
    before = dossier.status
    require_transition(before, Action.REQUEST_SUPPLEMENT)
    if before == Status.SUBMITTED:
        _require(actor, access.Permission.RECEIVE_DOSSIER, dossier.receiving_agency)
    else:
        _current_step_actor(dossier, actor, Action.REQUEST_SUPPLEMENT)
        _check_step_allows(dossier, StepAction.REQUEST_SUPPLEMENT)
    known = set(dossier.procedure_version.components.values_list("code", flat=True))
    unknown = [c for c in components if c not in known]
    if unknown:
        raise InvalidInput(
            detail=_("Thành phần không thuộc thủ tục."), errors=[FieldError("components", ", ".join(unknown))]
        )
    _pause(dossier, now)
    dossier.status = Status.AWAITING_SUPPLEMENT
    dossier.supplement_count += 1
    if before != Status.SUBMITTED:
        dossier.supplement_during_processing += 1
    _save(dossier, "status", "status_before_pause", "paused_at", "supplement_count", "supplement_during_processing")
    counts_against = dossier.supplement_during_processing > 1
    _record(
        dossier,
        actor,
        Action.REQUEST_SUPPLEMENT,
        before,
        acting,
        comment=reason,
        now=now,
        components=list(components),
        counts_against_agency=counts_against,
    )
    return dossier


@_atomic
def dossier_supplement(
    *,
    dossier: Dossier,
    actor: Any,
    documents: Sequence[DocumentData],
    expected_revision: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Bổ sung: the applicant (or the one-stop officer for them) provides documents; the clock resumes."""
    now = at or timezone.now()
    dossier = _lock(dossier, expected_revision)
    acting = _step_name(dossier)
    if not _is_owner(actor, dossier):
        _require(actor, access.Permission.RECEIVE_DOSSIER, dossier.receiving_agency)
    before = dossier.status
    require_transition(before, Action.SUPPLEMENT)
    if not documents:
        raise InvalidInput(
            detail=_("Chưa có giấy tờ bổ sung."), errors=[FieldError("documents", _("Đính kèm ít nhất một giấy tờ."))]
        )
    components = {c.code: c.name for c in dossier.procedure_version.components.all()}
    errors = []
    pairs: list[tuple[DocumentData, Upload | None]] = []
    at_counter = not _is_owner(actor, dossier)
    for index, doc in enumerate(documents):
        upload = _own_upload(doc.upload_id, actor=actor, client=None) if doc.upload_id is not None else None
        if doc.component not in components:
            errors.append(FieldError(f"documents[{index}].component", _("Thành phần hồ sơ không thuộc thủ tục.")))
        elif doc.copy_kind not in CopyKind.values:
            errors.append(FieldError(f"documents[{index}].copy_kind", _("Loại bản không hợp lệ.")))
        elif doc.upload_id is None and at_counter and doc.copy_kind != CopyKind.ELECTRONIC:
            pairs.append((doc, None))  # a paper copy handed in at the counter
        elif upload is None:
            errors.append(FieldError(f"documents[{index}].file", _("Không tìm thấy tệp đã tải lên.")))
        else:
            pairs.append((doc, upload))
    if errors:
        raise InvalidInput(detail=_("Giấy tờ bổ sung chưa hợp lệ."), errors=errors)
    for doc, upload in pairs:
        _attach(dossier, doc, upload, components[doc.component], actor, round_number=dossier.supplement_count)
    minutes = _resume(dossier, now)
    _save(dossier, "status", "status_before_pause", "paused_at", "paused_minutes", "due_at", "original_due_at")
    _record(dossier, actor, Action.SUPPLEMENT, before, acting, now=now, paused_minutes=minutes)
    return dossier


def dossier_supplement_at_counter(
    *,
    dossier: Dossier,
    actor: Any,
    component: str,
    copy_kind: str,
    scan: Any = None,
    expected_revision: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The applicant hands in the missing component at the counter: paper (copy kind), with or without a scan."""
    with _scans() as stored, transaction.atomic():
        upload_id = _store_scan(actor, scan, "scan", stored) if scan is not None else None
        return dossier_supplement(
            dossier=dossier,
            actor=actor,
            documents=[DocumentData(component=component, upload_id=upload_id, copy_kind=copy_kind)],
            expected_revision=expected_revision,
            at=at,
        )


def dossier_supplement_online(
    *,
    dossier: Dossier,
    actor: Any,
    files: Mapping[str, Any],
    expected_revision: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The applicant answers a supplement request online with a file per component; the clock resumes."""
    with _scans() as stored, transaction.atomic():
        documents = [
            DocumentData(component=component, upload_id=_store_scan(actor, file, f"file_{component}", stored))
            for component, file in files.items()
        ]
        return dossier_supplement(
            dossier=dossier, actor=actor, documents=documents, expected_revision=expected_revision, at=at
        )


@_atomic
def dossier_forward(
    *,
    dossier: Dossier,
    actor: Any,
    assignee: Staff | None = None,
    comment: str = "",
    expected_revision: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Chuyển: from reception to the first processing step, or to the next step of the process."""
    now = at or timezone.now()
    dossier = _lock(dossier, expected_revision)
    acting = _step_name(dossier)
    before = dossier.status
    require_transition(before, Action.FORWARD)
    plan = process.plan_for(dossier.procedure_version, dossier.competent_agency)
    if before == Status.RECEIVED:
        _require(actor, access.Permission.RECEIVE_DOSSIER, dossier.receiving_agency)
        next_position = 1
    else:
        _current_step_actor(dossier, actor, Action.FORWARD)
        _check_step_allows(dossier, StepAction.FORWARD)
        assert dossier.current_step is not None
        next_position = dossier.current_step.position + 1
    if next_position > len(plan):
        raise Conflict(_("Đây là bước cuối của quy trình: hãy phê duyệt."))
    target = plan[next_position - 1]
    if assignee is not None and assignee not in process.candidates(
        agency=target.agency, role=target.role, unit=target.unit
    ):
        raise InvalidInput(
            detail=_("Người nhận không phù hợp với bước tiếp theo."),
            errors=[FieldError("assignee", _("Cán bộ không có vai trò của bước này."))],
        )
    _finish_step(dossier.current_step, now)
    step = _start_step(dossier, target, now, assignee)
    dossier.status = Status.PROCESSING
    _save(dossier, "status", "current_step")
    _record(
        dossier,
        actor,
        Action.FORWARD,
        before,
        acting,
        comment=comment,
        now=now,
        to_step=step.name,
        assignee=step.assignee.user.get_username() if step.assignee else None,
    )
    return dossier


@_atomic
def dossier_send_back(
    *, dossier: Dossier, actor: Any, comment: str, expected_revision: int | None = None, at: dt.datetime | None = None
) -> Dossier:
    """Trả lại: the dossier goes back to the previous step (to whoever handled it there)."""
    now = at or timezone.now()
    dossier = _lock(dossier, expected_revision)
    acting = _step_name(dossier)
    _need_text(comment, "comment")
    before = dossier.status
    require_transition(before, Action.SEND_BACK)
    _current_step_actor(dossier, actor, Action.SEND_BACK)
    _check_step_allows(dossier, StepAction.SEND_BACK)
    current = dossier.current_step
    assert current is not None
    if current.position <= 1:
        raise Conflict(_("Bước đầu tiên không thể trả lại."))
    plan = process.plan_for(dossier.procedure_version, dossier.competent_agency)
    previous = dossier.steps.filter(position=current.position - 1).order_by("-sequence").first()
    _finish_step(current, now, DossierStep.State.SENT_BACK)
    _start_step(dossier, plan[current.position - 2], now, previous.assignee if previous else None)
    _save(dossier, "current_step")
    _record(dossier, actor, Action.SEND_BACK, before, acting, comment=comment, now=now)
    return dossier


@_atomic
def dossier_assign(
    *,
    dossier: Dossier,
    actor: Any,
    assignee: Staff,
    expected_revision: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Phân công: the head of the step's unit (or the agency leader) gives the current step to someone."""
    now = at or timezone.now()
    dossier = _lock(dossier, expected_revision)
    acting = _step_name(dossier)
    before = dossier.status
    require_transition(before, Action.ASSIGN)
    step = dossier.current_step
    if step is None:
        raise Conflict(_("Hồ sơ chưa có bước xử lý."))
    _require(actor, access.Permission.ASSIGN_DOSSIER, step.agency)
    if assignee not in process.candidates(agency=step.agency, role=step.role, unit=step.unit):
        raise InvalidInput(
            detail=_("Cán bộ không có vai trò của bước này."),
            errors=[FieldError("assignee", _("Cán bộ không phù hợp."))],
        )
    step.assignee = assignee
    step.save(update_fields=["assignee"])
    _save(dossier, "current_step")
    _record(dossier, actor, Action.ASSIGN, before, acting, now=now, assignee=assignee.user.get_username())
    return dossier


@_atomic
def dossier_request_payment(
    *,
    dossier: Dossier,
    actor: Any,
    amount: int,
    reason: str,
    expected_revision: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Thông báo nghĩa vụ tài chính: processing waits (clock stopped) until payment is confirmed."""
    now = at or timezone.now()
    dossier = _lock(dossier, expected_revision)
    acting = _step_name(dossier)
    _need_text(reason, "reason")
    if amount <= 0:
        raise InvalidInput(
            detail=_("Số tiền không hợp lệ."), errors=[FieldError("amount", _("Số tiền phải lớn hơn 0."))]
        )
    before = dossier.status
    require_transition(before, Action.REQUEST_PAYMENT)
    if before == Status.RECEIVED:
        _require(actor, access.Permission.RECEIVE_DOSSIER, dossier.receiving_agency)
    else:
        _current_step_actor(dossier, actor, Action.REQUEST_PAYMENT)
        _check_step_allows(dossier, StepAction.REQUEST_PAYMENT)
    DossierFee.objects.create(dossier=dossier, name=reason, kind="phi", amount=amount, collected_at="obligation")
    _pause(dossier, now)
    dossier.status = Status.AWAITING_PAYMENT
    _save(dossier, "status", "status_before_pause", "paused_at")
    _record(dossier, actor, Action.REQUEST_PAYMENT, before, acting, comment=reason, now=now, amount=amount)
    return dossier


@_atomic
def dossier_confirm_payment(
    *, dossier: Dossier, actor: Any, expected_revision: int | None = None, at: dt.datetime | None = None
) -> Dossier:
    """Xác nhận đã nộp: unpaid fee lines are marked paid and processing resumes."""
    now = at or timezone.now()
    dossier = _lock(dossier, expected_revision)
    acting = _step_name(dossier)
    _require(actor, access.Permission.RECEIVE_DOSSIER, dossier.receiving_agency)
    before = dossier.status
    require_transition(before, Action.CONFIRM_PAYMENT)
    paid = dossier.fees.filter(paid_at__isnull=True).update(paid_at=now)
    return _resume_after_payment(dossier, actor, before, acting, now, fee_lines=paid)


def _resume_after_payment(
    dossier: Dossier, actor: Any, before: str, acting: str, now: dt.datetime, **data: Any
) -> Dossier:
    """The financial obligation is met: the clock resumes (by a staff member, or by the system: actor None)."""
    minutes = _resume(dossier, now)
    _save(dossier, "status", "status_before_pause", "paused_at", "paused_minutes", "due_at", "original_due_at")
    _record(dossier, actor, Action.CONFIRM_PAYMENT, before, acting, now=now, paused_minutes=minutes, **data)
    return dossier


def _classify(dossier: Dossier, finished: dt.datetime) -> str:
    """Early / on time / late against the pause-adjusted due instant.

    An extension (apology letter) gives the applicant a new appointment but does not excuse the delay:
    timeliness is judged against the original due instant (moved only by paused time). More than one
    supplement request during processing counts as late (national index rule). "Early" means finished at
    least one working day (8 working hours) before the due instant.
    """
    due = dossier.original_due_at or dossier.due_at
    if due is None:
        return Timeliness.ON_TIME
    if dossier.supplement_during_processing > 1 or finished > due:
        return Timeliness.LATE
    if clock.between(finished, due) >= dt.timedelta(hours=8):
        return Timeliness.EARLY
    return Timeliness.ON_TIME


@_atomic
def dossier_approve(
    *,
    dossier: Dossier,
    actor: Any,
    outcome: str,
    comment: str = "",
    expected_revision: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Phê duyệt: the leader decides (granted or refused); processing ends and timeliness is fixed."""
    now = at or timezone.now()
    dossier = _lock(dossier, expected_revision)
    acting = _step_name(dossier)
    before = dossier.status
    require_transition(before, Action.APPROVE)
    if outcome not in Outcome.values:
        raise InvalidInput(
            detail=_("Kết quả không hợp lệ."), errors=[FieldError("outcome", _("Chọn giải quyết hoặc từ chối."))]
        )
    if outcome == Outcome.REFUSED:
        _need_text(comment, "comment")
    _require(actor, access.Permission.APPROVE_DOSSIER, dossier.competent_agency)
    _current_step_actor(dossier, actor, Action.APPROVE)
    _check_step_allows(dossier, StepAction.APPROVE)
    _finish_step(dossier.current_step, now)
    dossier.status = Status.PROCESSED
    dossier.outcome = outcome
    dossier.outcome_reason = comment if outcome == Outcome.REFUSED else ""
    dossier.finished_at = now
    dossier.timeliness = _classify(dossier, now)
    _one_stop_step(dossier, _("Trả kết quả"), now, None)
    _save(dossier, "status", "outcome", "outcome_reason", "finished_at", "timeliness", "current_step")
    _record(
        dossier,
        actor,
        Action.APPROVE,
        before,
        acting,
        comment=comment,
        now=now,
        outcome=outcome,
        timeliness=dossier.timeliness,
    )
    return dossier


@_atomic
def dossier_extend(
    *,
    dossier: Dossier,
    actor: Any,
    new_due_at: dt.datetime,
    reason: str,
    expected_revision: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Xin lỗi và hẹn lại (form 04): once per dossier, before the due instant, to a later instant."""
    now = at or timezone.now()
    dossier = _lock(dossier, expected_revision)
    acting = _step_name(dossier)
    _need_text(reason, "reason")
    before = dossier.status
    require_transition(before, Action.EXTEND)
    # the apology letter (form 04) is issued by the competent agency under its leader's signature
    _require(actor, access.Permission.APPROVE_DOSSIER, dossier.competent_agency)
    if dossier.extended_at is not None:
        raise Conflict(_("Hồ sơ đã được gia hạn một lần."))
    if dossier.due_at is None or now >= dossier.due_at:
        raise Conflict(_("Chỉ gia hạn trước thời hạn trả kết quả."))
    if timezone.is_naive(new_due_at):
        raise InvalidInput(
            detail=_("Thời hạn mới không hợp lệ."), errors=[FieldError("new_due_at", _("Thiếu múi giờ."))]
        )
    if new_due_at <= dossier.due_at:
        raise InvalidInput(
            detail=_("Thời hạn mới phải sau thời hạn cũ."),
            errors=[FieldError("new_due_at", _("Phải sau thời hạn hiện tại."))],
        )
    old_due = dossier.due_at
    dossier.due_at = new_due_at
    dossier.extended_at = now
    dossier.extension_reason = reason
    _save(dossier, "due_at", "extended_at", "extension_reason")
    _record(
        dossier,
        actor,
        Action.EXTEND,
        before,
        acting,
        comment=reason,
        now=now,
        old_due_at=old_due.isoformat(),
        new_due_at=new_due_at.isoformat(),
    )
    return dossier


def _close(dossier: Dossier, status: Status, reason: str, now: dt.datetime) -> None:
    """End a dossier before its result (stopped, withdrawn): the open step is cancelled, the clock stops."""
    _finish_step(dossier.current_step, now, DossierStep.State.CANCELLED)
    dossier.status = status
    dossier.finished_at = now
    dossier.paused_at = None
    dossier.outcome_reason = reason
    dossier.current_step = None
    _save(dossier, "status", "finished_at", "paused_at", "outcome_reason", "current_step")


@_atomic
def dossier_stop(
    *, dossier: Dossier, actor: Any, reason: str, expected_revision: int | None = None, at: dt.datetime | None = None
) -> Dossier:
    """Dừng xử lý: the competent agency's leader stops processing, with a reason."""
    now = at or timezone.now()
    dossier = _lock(dossier, expected_revision)
    acting = _step_name(dossier)
    _need_text(reason, "reason")
    before = dossier.status
    require_transition(before, Action.STOP)
    _require(actor, access.Permission.APPROVE_DOSSIER, dossier.competent_agency)
    _close(dossier, Status.STOPPED, reason, now)
    _record(dossier, actor, Action.STOP, before, acting, comment=reason, now=now)
    return dossier


@_atomic
def dossier_withdraw(
    *, dossier: Dossier, actor: Any, reason: str, expected_revision: int | None = None, at: dt.datetime | None = None
) -> Dossier:
    """Rút hồ sơ: by the applicant (owner), or by the one-stop officer on the applicant's written request."""
    now = at or timezone.now()
    dossier = _lock(dossier, expected_revision)
    acting = _step_name(dossier)
    _need_text(reason, "reason")
    if not _is_owner(actor, dossier):
        _require(actor, access.Permission.RECEIVE_DOSSIER, dossier.receiving_agency)
    before = dossier.status
    require_transition(before, Action.WITHDRAW)
    _close(dossier, Status.WITHDRAWN, reason, now)
    _record(dossier, actor, Action.WITHDRAW, before, acting, comment=reason, now=now)
    return dossier


@_atomic
def dossier_return_result(
    *,
    dossier: Dossier,
    actor: Any,
    recipient_name: str = "",
    recipient_id_number: str = "",
    note: str = "",
    expected_revision: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Trả kết quả: at the counter (or handed to the post / sent online) by the one-stop officer.

    The hand-over record (biên bản giao nhận) is the audit event's data: who received the result (the
    applicant unless someone else is named), their ID number, the method and a note.
    """
    now = at or timezone.now()
    dossier = _lock(dossier, expected_revision)
    acting = _step_name(dossier)
    _require(actor, access.Permission.RETURN_RESULT, dossier.receiving_agency)
    recipient_id_number = recipient_id_number.strip()
    if recipient_id_number and not (ID_NUMBER_RE.match(recipient_id_number) or TAX_CODE_RE.match(recipient_id_number)):
        raise InvalidInput(
            detail=_("Số giấy tờ của người nhận không hợp lệ."),
            errors=[FieldError("recipient_id_number", _("Số định danh cá nhân phải gồm đúng 12 chữ số."))],
        )
    before = dossier.status
    require_transition(before, Action.RETURN_RESULT)
    _finish_step(dossier.current_step, now)
    dossier.status = Status.RETURNED
    dossier.returned_at = now
    dossier.current_step = None
    _save(dossier, "status", "returned_at", "current_step")
    _record(
        dossier,
        actor,
        Action.RETURN_RESULT,
        before,
        acting,
        comment=note.strip(),
        now=now,
        delivery=dossier.delivery_method,
        recipient_name=recipient_name.strip() or dossier.applicant_name,
        recipient_id_number=recipient_id_number or dossier.applicant_id_number,
    )
    return dossier


def flag_overdue_online_receptions(*, now: dt.datetime | None = None) -> list[str]:
    """Online dossiers not received or sent back within 8 working hours (codes); shown in the inbox."""
    moment = now or timezone.now()
    return list(
        Dossier.objects.filter(status=Status.SUBMITTED, channel=Channel.ONLINE, reception_due_at__lt=moment)
        .order_by("reception_due_at")
        .values_list("code", flat=True)
    )


def actions_for(user: Any, dossier: Dossier, *, now: dt.datetime | None = None) -> list[Action]:
    """The actions `user` may take on `dossier` now: the same checks the services make, without changes.

    Used to show only the buttons that will work; the services still decide (a stale page gets a clear
    conflict or refusal).
    """
    moment = now or timezone.now()
    staff = _staff(user)
    result: list[Action] = []
    if staff is None:
        if _is_owner(user, dossier) and dossier.status in TRANSITIONS[Action.WITHDRAW].sources:
            result.append(Action.WITHDRAW)
        return result

    def holds(permission: access.Permission, agency: Agency) -> bool:
        return access.can(user, permission, agency)

    def step_actor(step_action: str | None) -> bool:
        try:
            _current_step_actor(dossier, user, "check")
            if step_action is not None:
                _check_step_allows(dossier, step_action)
        except (PermissionDenied, Conflict):
            return False
        return True

    receiving = holds(access.Permission.RECEIVE_DOSSIER, dossier.receiving_agency)
    leader = holds(access.Permission.APPROVE_DOSSIER, dossier.competent_agency)
    step = dossier.current_step
    for action in allowed_actions(dossier.status):
        match action:
            case Action.RECEIVE | Action.REJECT | Action.SUPPLEMENT | Action.CONFIRM_PAYMENT | Action.WITHDRAW:
                ok = receiving
            case Action.REQUEST_SUPPLEMENT:
                ok = receiving if dossier.status == Status.SUBMITTED else step_actor(StepAction.REQUEST_SUPPLEMENT)
            case Action.REQUEST_PAYMENT:
                ok = receiving if dossier.status == Status.RECEIVED else step_actor(StepAction.REQUEST_PAYMENT)
            case Action.FORWARD:
                if dossier.status == Status.RECEIVED:
                    ok = receiving
                else:
                    ok = step_actor(StepAction.FORWARD) and step is not None
                    if ok and step is not None:
                        ok = step.position < len(process.plan_for(dossier.procedure_version, dossier.competent_agency))
            case Action.SEND_BACK:
                ok = step is not None and step.position > 1 and step_actor(StepAction.SEND_BACK)
            case Action.ASSIGN:
                ok = (
                    step is not None
                    and step.role != Role.ONE_STOP_OFFICER
                    and holds(access.Permission.ASSIGN_DOSSIER, step.agency)
                )
            case Action.APPROVE:
                ok = leader and step_actor(StepAction.APPROVE)
            case Action.EXTEND:
                ok = leader and dossier.extended_at is None and dossier.due_at is not None and moment < dossier.due_at
            case Action.STOP:
                ok = leader
            case Action.RETURN_RESULT:
                ok = holds(access.Permission.RETURN_RESULT, dossier.receiving_agency)
            case _:
                ok = False
        if ok:
            result.append(action)
    return result


@_atomic
def dossier_payment_received(
    *, dossier: Dossier, transaction_ref: str, fee_ids: Sequence[int] | None = None, at: dt.datetime | None = None
) -> Dossier:
    """Payment confirmed by the system (gateway, reconciliation, statement): no staff actor, audit actor None.

    Marks the unpaid fee lines (only `fee_ids` when given) paid; when the dossier waits for a financial
    obligation and no obligation line remains unpaid, processing resumes as with `dossier_confirm_payment`.
    """
    now = at or timezone.now()
    dossier = _lock(dossier, None)
    acting = _step_name(dossier)
    lines = dossier.fees.filter(paid_at__isnull=True)
    if fee_ids is not None:
        lines = lines.filter(pk__in=list(fee_ids))
    paid = lines.update(paid_at=now)
    before = dossier.status
    waiting = dossier.fees.filter(paid_at__isnull=True, collected_at="obligation").exists()
    if before == Status.AWAITING_PAYMENT and not waiting:
        return _resume_after_payment(
            dossier, None, before, acting, now, fee_lines=paid, transaction_ref=transaction_ref
        )
    audit.record(
        stream=stream(dossier),
        actor=None,
        action="payment_received",
        from_status=before,
        to_status=dossier.status,
        step=acting,
        data={"fee_lines": paid, "transaction_ref": transaction_ref},
        at=now,
    )
    outbox.emit(
        "dossier.payment_received",
        subject=dossier.code,
        payload={"code": dossier.code, "status": dossier.status, "fee_lines": paid, "transaction_ref": transaction_ref},
    )
    return dossier
