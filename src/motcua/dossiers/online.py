"""Online submission by citizens: drafts, the personal data store, satisfaction ratings.

A draft keeps what the applicant has entered so far (applicant, agency, e-form data, documents, result
delivery); submitting it goes through `services.dossier_submit`, the same service as the API. Documents
submitted online go to the applicant's data store ("provide data once") and can be reused in later
dossiers, where they are flagged as reused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.catalog import services as catalog_services
from motcua.catalog.models import OnlineMode, Procedure
from motcua.core import audit, rows
from motcua.core.errors import Conflict, FieldError, InvalidInput, NotFound
from motcua.dossiers import services
from motcua.dossiers.models import (
    Channel,
    Delivery,
    Dossier,
    DossierDraft,
    SatisfactionRating,
    Status,
    StoredDocument,
    Upload,
)
from motcua.dossiers.uploads import upload_create
from motcua.org.models import Agency

# The nine indicators of the satisfaction evaluation (domain.md §4), each 2, 1 or 0 points.
RATING_INDICATORS = [
    gettext_lazy("Tổng thời gian giải quyết so với thời gian quy định"),
    gettext_lazy("Thời gian của từng cơ quan tham gia giải quyết"),
    gettext_lazy("Số lần phải đi lại để hoàn thiện hồ sơ"),
    gettext_lazy("Số cơ quan phải liên hệ"),
    gettext_lazy("Hồ sơ được tiếp nhận, thẩm định, phê duyệt tại Bộ phận Một cửa"),
    gettext_lazy("Công khai thủ tục hành chính"),
    gettext_lazy("Thái độ, ứng xử của cán bộ"),
    gettext_lazy("Tiếp nhận và xử lý phản ánh, kiến nghị"),
    gettext_lazy("Cung cấp dịch vụ công trực tuyến"),
]


def _citizen(actor: Any) -> Any:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("sign in")
    return actor


# ---- drafts -------------------------------------------------------------------------------------------


def draft_create(*, actor: Any, procedure_code: str, at: dt.datetime | None = None) -> DossierDraft:
    """Start an online dossier for the procedure version in force (refused when not offered online)."""
    _citizen(actor)
    procedure = Procedure.objects.filter(code=procedure_code).first()
    version = catalog_services.version_in_force(procedure=procedure, at=at or timezone.now()) if procedure else None
    if version is None or version.status != "published":
        raise NotFound(_("Không có thủ tục đang áp dụng với mã này."))
    if version.online_mode == OnlineMode.NONE:
        raise Conflict(_("Thủ tục này chưa cung cấp dịch vụ công trực tuyến."))
    agencies = list(version.agencies.filter(is_active=True).values_list("code", flat=True))
    return DossierDraft.objects.create(
        account=actor, procedure_version=version, agency_code=agencies[0] if len(agencies) == 1 else ""
    )


def draft_for(user: Any, pk: int) -> DossierDraft:
    """The user's own draft; NotFound for anyone else's."""
    draft = (
        DossierDraft.objects.select_related("procedure_version__procedure")
        .filter(pk=pk, account_id=getattr(user, "pk", None))
        .first()
    )
    if draft is None:
        raise NotFound(_("Không tìm thấy hồ sơ nháp."))
    return draft


# the citizen's drafts as their list shows them (portal/my_dossiers.html), by SQL written once
_DRAFTS = rows.Prepared(
    lambda: (
        DossierDraft.objects.filter(account=rows.param(DossierDraft, "account"))
        .select_related("procedure_version")
        .only("updated_at", "procedure_version__name")
    )
)


def drafts_of(user: Any) -> list[DossierDraft]:
    """The user's drafts with what their list shows: the procedure's name and when each was saved."""
    if not getattr(user, "is_authenticated", False):
        return []
    return cast(list[DossierDraft], _DRAFTS.all(account=user.pk))


def draft_update(
    *,
    draft: DossierDraft,
    actor: Any,
    applicant: dict[str, Any],
    agency_code: str,
    form_data: dict[str, Any],
    delivery_method: str,
    delivery_ward_code: str = "",
    delivery_address: str = "",
    receiving_agency_code: str = "",
) -> DossierDraft:
    """Save what the applicant entered; nothing is checked yet (the submission checks everything)."""
    if draft.account_id != getattr(actor, "pk", None):
        raise PermissionDenied("draft")
    draft.applicant = {k: (str(v) if v is not None else "")[:255] for k, v in list(applicant.items())[:20]}
    draft.agency_code = agency_code[:40]
    draft.receiving_agency_code = receiving_agency_code[:40]
    draft.form_data = form_data
    draft.delivery_method = delivery_method if delivery_method in Delivery.values else Delivery.ONLINE
    draft.delivery_ward_code = delivery_ward_code[:10]
    draft.delivery_address = delivery_address[:255]
    draft.save()
    return draft


@transaction.atomic
def draft_attach(
    *, draft: DossierDraft, actor: Any, component: str, file: Any = None, stored_id: int | None = None
) -> DossierDraft:
    """Attach a file to a component of the draft: a new upload (checked) or a document from the data store."""
    if draft.account_id != getattr(actor, "pk", None):
        raise PermissionDenied("draft")
    if not draft.procedure_version.components.filter(code=component).exists():
        raise InvalidInput(
            detail=_("Thành phần hồ sơ không thuộc thủ tục."),
            errors=[FieldError("component", _("Thành phần hồ sơ không thuộc thủ tục."))],
        )
    reused = stored_id is not None
    if stored_id is not None:
        stored = StoredDocument.objects.filter(pk=stored_id, owner=actor).first()
        if stored is None:
            raise InvalidInput(
                detail=_("Không tìm thấy giấy tờ trong kho dữ liệu."),
                errors=[FieldError(f"store_{component}", _("Không tìm thấy giấy tờ trong kho dữ liệu."))],
            )
        upload = _upload_from_store(stored, actor)
    elif file is not None:
        upload = upload_create(owner=actor, file=file)
    else:
        raise InvalidInput(
            detail=_("Chọn tệp để đính kèm."), errors=[FieldError(f"file_{component}", _("Chọn tệp để đính kèm."))]
        )
    _discard_uploads([d for d in draft.documents if d.get("component") == component])
    documents = [d for d in draft.documents if d.get("component") != component]
    documents.append({"component": component, "upload": upload.pk, "name": upload.name, "reused": reused})
    draft.documents = documents
    draft.save(update_fields=["documents", "updated_at"])
    return draft


def _discard_uploads(entries: list[dict[str, Any]]) -> None:
    """Files a draft no longer uses (replaced, removed, draft deleted) and no dossier took: deleted."""
    ids = [entry["upload"] for entry in entries if isinstance(entry.get("upload"), int)]
    for upload in Upload.objects.filter(pk__in=ids, used_by__isnull=True):
        upload.file.delete(save=False)
        upload.delete()


def draft_detach(*, draft: DossierDraft, actor: Any, component: str) -> DossierDraft:
    if draft.account_id != getattr(actor, "pk", None):
        raise PermissionDenied("draft")
    _discard_uploads([d for d in draft.documents if d.get("component") == component])
    draft.documents = [d for d in draft.documents if d.get("component") != component]
    draft.save(update_fields=["documents", "updated_at"])
    return draft


def draft_delete(*, draft: DossierDraft, actor: Any) -> None:
    if draft.account_id != getattr(actor, "pk", None):
        raise PermissionDenied("draft")
    _discard_uploads(list(draft.documents))
    draft.delete()


def _upload_from_store(stored: StoredDocument, actor: Any) -> Upload:
    upload = Upload(
        name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        owner=actor,
    )
    with stored.file.open("rb") as handle:
        upload.file.save(stored.file.name.rsplit("/", 1)[-1], ContentFile(handle.read()), save=False)
    upload.save()
    return upload


def _birth_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise InvalidInput(
            detail=_("Hồ sơ chưa hợp lệ."),
            errors=[FieldError("applicant.birth_date", _("Ngày sinh không hợp lệ."))],
        ) from exc


@transaction.atomic
def draft_submit(*, draft: DossierDraft, actor: Any, at: dt.datetime | None = None) -> Dossier:
    """Nộp hồ sơ trực tuyến from a draft, through the same service as the API; the draft is then removed."""
    # locked and read again: the same draft submitted twice at once makes one dossier
    locked = DossierDraft.objects.select_for_update().filter(pk=draft.pk).first()
    if locked is None:
        raise NotFound(_("Hồ sơ nháp đã được nộp hoặc đã xóa."))
    draft = locked
    if draft.account_id != getattr(actor, "pk", None):
        raise PermissionDenied("draft")
    applicant = draft.applicant
    data = services.SubmissionData(
        procedure=draft.procedure_version.procedure.code,
        agency=draft.agency_code,
        channel=Channel.ONLINE,
        applicant=services.ApplicantData(
            kind=applicant.get("kind") or "citizen",
            full_name=applicant.get("full_name", ""),
            id_number=applicant.get("id_number", ""),
            birth_date=_birth_date(applicant.get("birth_date", "")),
            phone=applicant.get("phone", ""),
            email=applicant.get("email", ""),
            ward_code=applicant.get("ward_code") or None,
            address_line=applicant.get("address_line", ""),
        ),
        form=draft.form_data,
        documents=[
            services.DocumentData(
                component=d["component"], upload_id=d["upload"], copy_kind="electronic", reused=bool(d.get("reused"))
            )
            for d in draft.documents
        ],
        delivery_method=draft.delivery_method,
        delivery_ward_code=draft.delivery_ward_code or None,
        delivery_address=draft.delivery_address,
        receiving_agency=draft.receiving_agency_code,
    )
    dossier = services.dossier_submit(actor=actor, data=data, at=at)
    store_from_dossier(dossier=dossier, owner=actor)
    draft.delete()
    return dossier


def reception_centres(version: Any) -> list[Agency]:
    """Where an online dossier of `version` may be received: any service centre of the province when the
    procedure allows it, otherwise none to choose (the competent agency's one-stop unit receives it)."""
    if not version.any_reception_point:
        return []
    return list(Agency.objects.filter(kind=Agency.Kind.SERVICE_CENTRE, is_active=True).order_by("name"))


def earlier_forms(user: Any, version: Any) -> list[dict[str, Any]]:
    """The e-form data of the applicant's earlier dossiers of the same procedure, newest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Dossier.objects.filter(account=user, procedure_id=version.procedure_id)
        .order_by("-submitted_at")
        .values_list("form_data", flat=True)[:5]
    )


# ---- the personal data store ------------------------------------------------------------------------------


def store_from_dossier(*, dossier: Dossier, owner: Any) -> int:
    """Keep the files of an online dossier in its applicant's data store (once per file content)."""
    if dossier.account_id != getattr(owner, "pk", None):
        return 0
    known = set(StoredDocument.objects.filter(owner=owner).values_list("sha256", flat=True))
    added = 0
    for document in dossier.documents.exclude(file=""):
        if document.sha256 in known:
            continue
        StoredDocument.objects.create(
            owner=owner,
            component_code=document.component_code,
            name=document.component_name,
            file=document.file.name,
            original_name=document.original_name,
            content_type=document.content_type,
            size=document.size,
            sha256=document.sha256,
            dossier=dossier,
        )
        known.add(document.sha256)
        added += 1
    return added


def stored_documents(user: Any) -> list[StoredDocument]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(StoredDocument.objects.filter(owner=user))


# ---- satisfaction ----------------------------------------------------------------------------------------


@transaction.atomic
def rating_submit(
    *,
    dossier: Dossier,
    actor: Any,
    scores: Sequence[int],
    overall: str,
    comment: str = "",
    channel: str = SatisfactionRating.Channel.ONLINE,
) -> SatisfactionRating:
    """Đánh giá: once per dossier, after its result was returned, by its applicant (online or at a kiosk)."""
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if channel == SatisfactionRating.Channel.ONLINE and (
        not getattr(actor, "is_authenticated", False) or locked.account_id != actor.pk
    ):
        raise PermissionDenied("rate")
    if locked.status != Status.RETURNED:
        raise Conflict(_("Chỉ đánh giá sau khi đã nhận kết quả."))
    if SatisfactionRating.objects.filter(dossier=locked).exists():
        raise Conflict(_("Hồ sơ này đã được đánh giá."))
    errors = []
    if len(scores) != len(RATING_INDICATORS) or any(s not in (0, 1, 2) for s in scores):
        errors.append(FieldError("scores", _("Chấm mỗi tiêu chí 0, 1 hoặc 2 điểm.")))
    if overall not in SatisfactionRating.Overall.values:
        errors.append(FieldError("overall", _("Chọn mức độ hài lòng chung.")))
    if channel not in SatisfactionRating.Channel.values:
        errors.append(FieldError("channel", _("Không hợp lệ.")))
    if errors:
        raise InvalidInput(detail=_("Đánh giá chưa hợp lệ."), errors=errors)
    rating = SatisfactionRating.objects.create(
        dossier=locked,
        rated_by=actor if getattr(actor, "is_authenticated", False) else None,
        channel=channel,
        scores=list(scores),
        total=sum(scores),
        overall=overall,
        comment=comment.strip()[:2000],
    )
    audit.record(
        stream=services.stream(locked),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action="rate",
        data={"total": rating.total, "overall": overall, "channel": channel},
    )
    return rating
