"""Back-office pages: they parse the request, call one service or selector, and render."""

from __future__ import annotations

import datetime as dt
from hashlib import sha256
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.backoffice import guard
from motcua.backoffice.forms import (
    ApproveForm,
    AssignForm,
    BatchApproveForm,
    CommentForm,
    ExtendForm,
    ForwardForm,
    PaymentRequestForm,
    ProcedureSearchForm,
    ReasonForm,
    ReceptionForm,
    ReturnForm,
    SupplementForm,
    SupplementRequestForm,
    TrackingBookForm,
    apply_errors,
)
from motcua.backoffice.templatetags import backoffice as backoffice_tags
from motcua.catalog import selectors as catalog_selectors
from motcua.core.errors import DomainError, NotFound
from motcua.core.fragments import Fragment, hole
from motcua.core.pagination import CappedPaginator
from motcua.core.text import parse_number
from motcua.dossiers import deadlines, official_forms, process, queues, selectors, services, tracking_book
from motcua.dossiers.lifecycle import ACTION_LABELS, Action
from motcua.dossiers.models import Dossier, Outcome, Status
from motcua.integrations.national_portal.selectors import sync_status
from motcua.integrations.post.selectors import postal_orders_of
from motcua.org import access
from motcua.org.models import Staff
from motcua.results import services as result_services


def _province(request: HttpRequest) -> Any:
    staff = access.staff_of(request.user)
    return staff.agency.administrative_unit.province() if staff else None


def _not_found() -> Http404:
    return Http404(_("Không tìm thấy hồ sơ, hoặc bạn không có quyền xem hồ sơ này."))


def _dossier(request: HttpRequest, code: str) -> Dossier:
    try:
        return selectors.dossier_for(request.user, code)
    except NotFound as exc:
        raise _not_found() from exc


# ---- inbox ---------------------------------------------------------------------------------------------

INBOX_TABS = [
    ("to_do", gettext_lazy("Việc cần làm")),
    ("due_today", gettext_lazy("Đến hạn hôm nay")),
    ("overdue", gettext_lazy("Quá hạn")),
    ("paused", gettext_lazy("Tạm dừng")),
    ("sent_back", gettext_lazy("Bị trả lại")),
    ("awaiting_reception", gettext_lazy("Chờ tiếp nhận")),
]


def _step_due(dossier: Dossier | selectors.InboxRow) -> dt.datetime | None:
    step = dossier.current_step
    return step.due_at if step is not None and step.due_at is not None else dossier.due_at


INBOX_PAGE_SIZE = 50


@require_GET
@guard.staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Việc của tôi: an officer's work by tab, with counts, sorted by due instant, 50 to a page."""
    work = selectors.inbox(request.user)
    tab = request.GET.get("tab", "to_do")
    if tab not in dict(INBOX_TABS):
        tab = "to_do"
    order = "desc" if request.GET.get("order") == "desc" else "asc"
    items: list[selectors.InboxItem] = list(getattr(work, tab))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    items.sort(key=lambda item: item.due or far, reverse=order == "desc")
    counts = work.counts()
    now = timezone.now()
    page = Paginator(items, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = selectors.inbox_rows(list(page.object_list))
    rows = [
        {"dossier": d, "due": _step_due(d), "clock": clock_}
        for d, clock_ in zip(shown, queues.reception_clocks(shown, now=now), strict=True)
    ]
    return _inbox_page(
        request, counts=counts, tab=tab, order=order, page=page, rows=backoffice_tags.inbox_rows(rows, tab, now)
    )


_INBOX_PAGE = Fragment("backoffice/inbox.html", max_kept=512)  # tabs × orders × pager shapes × languages


def _inbox_page(
    request: HttpRequest,
    *,
    counts: dict[str, int],
    tab: str,
    order: str,
    page: Page[Any],
    rows: SafeString,
    kept: bool = True,
) -> HttpResponse:
    """The inbox page around its `rows`: rendered once for each shape (the tab, the order, whether there are
    rows, which page links show, the language) and then filled in with the counts, the rows, the page
    numbers and the officer's menu (`motcua.core.fragments`); the template's own run was a fifth of the page's
    CPU (docs/performance.md, tenth session). A page with messages to show is rendered afresh (`kept`
    False: the test compares both)."""
    tabs = [(key, str(label), counts[key]) for key, label in INBOX_TABS]
    context: dict[str, Any] = {"tabs": tabs, "tab": tab, "order": order, "page": page, "table_rows": rows}
    if not kept or messages.get_messages(request):
        return render(request, "backoffice/inbox.html", context)
    key = (tab, order, bool(rows), page.has_other_pages(), page.has_previous(), page.has_next())
    shape = {
        **context,
        "tabs": [(name, label, hole(f"count_{name}")) for name, label, _count in tabs],
        "page": _PageShape(page),
        "table_rows": hole("rows") if rows else "",
        "user": _SIGNED_IN,
        "_kept_menu": hole("navigation"),
    }
    holes: dict[str, Any] = {f"count_{name}": count for name, _label, count in tabs}
    holes.update(
        rows=rows,
        navigation=backoffice_tags.backoffice_nav({"request": request, "user": request.user}),
        number=page.number,
        pages=page.paginator.num_pages,
        previous=page.previous_page_number() if page.has_previous() else "",
        next=page.next_page_number() if page.has_next() else "",
    )
    return HttpResponse(_INBOX_PAGE.render(key, shape, holes))


class _PageShape:
    """What the inbox template reads of its page (`Page`) when rendered once: which links show (in the key),
    the numbers as holes."""

    def __init__(self, page: Page[Any]) -> None:
        self.has_other_pages = page.has_other_pages()
        self.has_previous, self.has_next = page.has_previous(), page.has_next()
        self.number, self.previous_page_number, self.next_page_number = hole("number"), hole("previous"), hole("next")
        self.paginator = {"num_pages": hole("pages")}


_SIGNED_IN = {"is_authenticated": True}


# ---- counter reception ---------------------------------------------------------------------------------


@require_GET
@guard.staff_required
def reception(request: HttpRequest) -> HttpResponse:
    """Tiếp nhận: search the procedure; the online dossiers waiting for reception with their 8-hour clock."""
    if not access.can(request.user, access.Permission.RECEIVE_DOSSIER):
        raise PermissionDenied
    form = ProcedureSearchForm(request.GET or None)
    results: list[Any] = []
    if form.is_valid() and form.cleaned_data["q"]:
        results = list(catalog_selectors.procedure_search(q=form.cleaned_data["q"])[:30])
    now = timezone.now()
    staff = access.staff_of(request.user)
    waiting: list[selectors.InboxRow] = []
    if staff is not None and access.can(request.user, access.Permission.RECEIVE_DOSSIER, staff.agency):
        waiting = selectors.inbox_rows(selectors.awaiting_reception(staff.agency))
    return render(
        request,
        "backoffice/reception.html",
        {
            "form": form,
            "results": results,
            "waiting": [
                {"dossier": d, "clock": clock_}
                for d, clock_ in zip(waiting, queues.reception_clocks(waiting, now=now), strict=True)
            ],
        },
    )


def _submission(form: ReceptionForm) -> services.SubmissionData:
    data = form.cleaned_data
    documents = [
        services.DocumentData(component=code, upload_id=None, copy_kind=data[f"copy_{code}"]) for code in data["ticked"]
    ]
    return services.SubmissionData(
        procedure=form.version.procedure.code,
        agency=data["agency"],
        channel="counter",
        applicant=services.ApplicantData(
            kind=data["applicant_kind"],
            full_name=data.get("full_name") or "",
            id_number=(data.get("id_number") or "").strip(),
            birth_date=data.get("birth_date"),
            phone=data.get("phone") or "",
            email=data.get("email") or "",
            ward_code=data.get("ward_code") or None,
            address_line=data.get("address_line") or "",
        ),
        documents=documents,
        delivery_method=data["delivery_method"],
        delivery_ward_code=data.get("delivery_ward_code") or None,
        delivery_address=data.get("delivery_address") or "",
    )


RECEPTION_ALIASES = {
    "applicant.full_name": "full_name",
    "applicant.id_number": "id_number",
    "applicant.birth_date": "birth_date",
    "applicant.kind": "applicant_kind",
    "applicant.address.ward_code": "ward_code",
    "delivery.method": "delivery_method",
    "delivery.address": "delivery_address",
}


@require_http_methods(["GET", "POST"])
@guard.staff_required
def reception_form(request: HttpRequest, procedure: str) -> HttpResponse:
    """The counter form for one procedure: applicant, checklist, scans, delivery, due date, decision."""
    if not access.can(request.user, access.Permission.RECEIVE_DOSSIER):
        raise PermissionDenied
    version = catalog_selectors.procedure_detail(code=procedure)
    if version is None:
        raise Http404(_("Không có thủ tục đang áp dụng với mã này."))
    known = None
    if request.method == "POST" and "lookup" in request.POST:
        # "Tìm" next to the ID number: fill the applicant from the latest dossier with this number
        known = queues.previous_applicant(request.user, request.POST.get("id_number", ""))
        data = request.POST.copy()
        if known is not None:
            data.update(
                {
                    "applicant_kind": known.kind,
                    "full_name": known.full_name,
                    "birth_date": known.birth_date.isoformat() if known.birth_date else "",
                    "phone": known.phone,
                    "email": known.email,
                    "ward_code": known.ward_code,
                    "address_line": known.address_line,
                }
            )
        else:
            messages.info(request, _("Chưa có hồ sơ nào của người nộp với số này; hãy nhập thông tin."))
        form = ReceptionForm(initial=data.dict(), version=version, province=_province(request))
    else:
        form = ReceptionForm(request.POST or None, request.FILES or None, version=version, province=_province(request))
        if request.method == "POST" and form.is_valid():
            decision = form.cleaned_data["decision"]
            scans = {c.code: form.cleaned_data[f"scan_{c.code}"] for c in form.components}
            try:
                dossier = services.dossier_counter_reception(
                    actor=request.user,
                    data=_submission(form),
                    decision=decision,
                    reason=form.cleaned_data.get("reason") or "",
                    components=form.cleaned_data["missing"] or [],
                    scans={code: f for code, f in scans.items() if f},
                )
            except DomainError as exc:
                scans_aliases = {f"scan.{c.code}": f"scan_{c.code}" for c in form.components}
                apply_errors(form, exc, {**RECEPTION_ALIASES, **scans_aliases})
            else:
                done = {
                    "receive": _("Đã tiếp nhận hồ sơ %(code)s. In giấy tiếp nhận và hẹn trả kết quả (mẫu 01)."),
                    "request_supplement": _("Đã ghi hồ sơ %(code)s và yêu cầu bổ sung (mẫu 02)."),
                    "reject": _("Đã từ chối tiếp nhận hồ sơ %(code)s (mẫu 03)."),
                }[decision]
                messages.success(request, done % {"code": dossier.code})
                form_code = {"receive": "01", "request_supplement": "02", "reject": "03"}[decision]
                return HttpResponseRedirect(
                    reverse("backoffice:dossier", args=[dossier.code]) + f"?in={form_code}#bieu-mau"
                )
    return render(
        request,
        "backoffice/reception_form.html",
        {
            "form": form,
            "version": version,
            "known": known,
            "due_preview": queues.reception_due_preview(version),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# ---- dossiers ------------------------------------------------------------------------------------------


@require_GET
@guard.staff_required
def dossier_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    query = request.GET.get("q", "")[:100]
    overdue = request.GET.get("overdue") == "1"
    # the list is this officer's with these filters (the search text hashed: it may be an ID number)
    remember_as = f"dossier-list:{request.user.pk}:{status}:{int(overdue)}:{sha256(query.encode()).hexdigest()}"
    if query.strip():
        dossiers = queues.agency_dossiers(request.user, status=status, query=query, overdue=overdue)
        page = CappedPaginator(dossiers, 50, remember_as=remember_as).get_page(request.GET.get("page"))
        page.object_list = selectors.list_rows(cast(QuerySet[Dossier], page.object_list))  # the page's slice
    else:  # each page read by a statement compiled once
        listed = queues.AgencyList(request.user, status=status, overdue=overdue)
        page = CappedPaginator(listed, 50, remember_as=remember_as).get_page(request.GET.get("page"))
        page.object_list = cast(queues.AgencyListPart, page.object_list).rows()
    return render(
        request,
        "backoffice/dossier_list.html",
        {"page": page, "status": status, "q": query, "overdue": overdue, "statuses": Status.choices},
    )


def _action_forms(request: HttpRequest, dossier: Dossier, actions: list[Action]) -> dict[str, Any]:
    """An unbound form for each action the user may take now."""
    version = dossier.procedure_version
    step = dossier.current_step
    forms: dict[str, Any] = {}
    for action in actions:
        match action:
            case Action.RECEIVE | Action.CONFIRM_PAYMENT:
                forms[action] = None
            case Action.REJECT | Action.STOP | Action.WITHDRAW:
                forms[action] = ReasonForm(prefix=action)
            case Action.REQUEST_SUPPLEMENT:
                forms[action] = SupplementRequestForm(prefix=action, version=version)
            case Action.SUPPLEMENT:
                forms[action] = SupplementForm(prefix=action, version=version)
            case Action.FORWARD:
                forms[action] = ForwardForm(prefix=action, people=_next_step_people(dossier))
            case Action.SEND_BACK:
                forms[action] = CommentForm(prefix=action)
            case Action.ASSIGN:
                forms[action] = AssignForm(prefix=action, people=queues.assignable_staff(dossier))
            case Action.REQUEST_PAYMENT:
                forms[action] = PaymentRequestForm(prefix=action)
            case Action.APPROVE:
                forms[action] = ApproveForm(prefix=action)
            case Action.EXTEND:
                forms[action] = ExtendForm(prefix=action)
            case Action.RETURN_RESULT:
                forms[action] = ReturnForm(prefix=action)
    del step
    return forms


def _next_step_people(dossier: Dossier) -> list[Staff]:
    plan = process.plan_for(dossier.procedure_version, dossier.competent_agency)
    step = dossier.current_step
    position = 1 if dossier.status == Status.RECEIVED or step is None or step.position == 0 else step.position + 1
    if position > len(plan):
        return []
    target = plan[position - 1]
    return process.candidates(agency=target.agency, role=target.role, unit=target.unit)


def _dossier_page(
    request: HttpRequest, dossier: Dossier, bound: tuple[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    actions = services.actions_for(request.user, dossier)
    forms = _action_forms(request, dossier, actions)
    if bound is not None:
        forms[bound[0]] = bound[1]
    events = list(selectors.history(dossier).select_related(None))
    return render(
        request,
        "backoffice/dossier.html",
        {
            "dossier": dossier,
            "documents": list(dossier.documents.all()),
            "fees": list(dossier.fees.all()),
            "steps": list(dossier.steps.select_related("agency", "assignee__user").order_by("sequence")),
            "events": events,
            "actions": [{"name": a.value, "label": str(ACTION_LABELS[a]), "form": forms.get(a.value)} for a in actions],
            "forms_available": [(code, official_forms.FORMS[code]) for code in official_forms.available_forms(dossier)],
            "print_form": request.GET.get("in", ""),
            "reception_clock": queues.reception_hours_left(dossier),
            "orders": postal_orders_of(dossier),
            "sync_records": list(sync_status(dossier)),
            "now": timezone.now(),
        },
        status=status,
    )


@require_GET
@guard.staff_required
def dossier_detail(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _dossier(request, code)
    if access.staff_of(request.user) is None and not request.user.is_superuser:
        raise _not_found()
    return _dossier_page(request, dossier)


def _bound_form(request: HttpRequest, dossier: Dossier, action: Action) -> Any:
    """The action's form bound to the posted data (None for actions without fields)."""
    post, files, version, prefix = request.POST, request.FILES, dossier.procedure_version, action.value
    match action:
        case Action.REJECT | Action.STOP | Action.WITHDRAW:
            return ReasonForm(post, prefix=prefix)
        case Action.REQUEST_SUPPLEMENT:
            return SupplementRequestForm(post, prefix=prefix, version=version)
        case Action.SUPPLEMENT:
            return SupplementForm(post, files, prefix=prefix, version=version)
        case Action.FORWARD:
            return ForwardForm(post, prefix=prefix, people=_next_step_people(dossier))
        case Action.SEND_BACK:
            return CommentForm(post, prefix=prefix)
        case Action.ASSIGN:
            return AssignForm(post, prefix=prefix, people=queues.assignable_staff(dossier))
        case Action.REQUEST_PAYMENT:
            return PaymentRequestForm(post, prefix=prefix)
        case Action.APPROVE:
            return ApproveForm(post, prefix=prefix)
        case Action.EXTEND:
            return ExtendForm(post, prefix=prefix)
        case Action.RETURN_RESULT:
            return ReturnForm(post, prefix=prefix)
    return None


def _call(request: HttpRequest, dossier: Dossier, action: Action, data: dict[str, Any]) -> Dossier:
    """Call the action's service with the cleaned data."""
    revision = parse_number(request.POST.get("revision"))
    common: dict[str, Any] = {"dossier": dossier, "actor": request.user, "expected_revision": revision}
    match action:
        case Action.RECEIVE:
            return services.dossier_receive(**common)
        case Action.CONFIRM_PAYMENT:
            return services.dossier_confirm_payment(**common)
        case Action.REJECT:
            return services.dossier_reject(**common, reason=data["reason"])
        case Action.STOP:
            return services.dossier_stop(**common, reason=data["reason"])
        case Action.WITHDRAW:
            return services.dossier_withdraw(**common, reason=data["reason"])
        case Action.REQUEST_SUPPLEMENT:
            return services.dossier_request_supplement(**common, reason=data["reason"], components=data["components"])
        case Action.SUPPLEMENT:
            return services.dossier_supplement_at_counter(
                **common, component=data["component"], copy_kind=data["copy_kind"], scan=data.get("scan")
            )
        case Action.FORWARD:
            assignee = Staff.objects.filter(pk=data["assignee"]).first() if data["assignee"] else None
            return services.dossier_forward(**common, assignee=assignee, comment=data["comment"])
        case Action.SEND_BACK:
            return services.dossier_send_back(**common, comment=data["comment"])
        case Action.ASSIGN:
            return services.dossier_assign(**common, assignee=Staff.objects.get(pk=data["assignee"]))
        case Action.REQUEST_PAYMENT:
            return services.dossier_request_payment(**common, amount=data["amount"], reason=data["reason"])
        case Action.APPROVE:
            # through the result gate: with MOTCUA_REQUIRE_SIGNED_RESULT a granted dossier needs a signed result
            return result_services.dossier_approve_with_result(
                **common, outcome=data["outcome"], comment=data["comment"]
            )
        case Action.EXTEND:
            return services.dossier_extend(**common, new_due_at=data["new_due_at"], reason=data["reason"])
        case Action.RETURN_RESULT:
            return services.dossier_return_result(**common, **data)
    raise Http404(_("Không có thao tác này."))


@require_POST
@guard.staff_required
def dossier_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """Perform one action from the dossier page; show its result or the reason it was refused."""
    try:
        chosen = Action(action)
    except ValueError as exc:
        raise Http404(_("Không có thao tác này.")) from exc
    dossier = _dossier(request, code)
    form = _bound_form(request, dossier, chosen)
    if form is not None and not form.is_valid():
        messages.error(request, _("Thông tin chưa hợp lệ; xem các ô được đánh dấu."))
        return _dossier_page(request, dossier, (chosen.value, form), status=400)
    try:
        done = _call(request, dossier, chosen, form.cleaned_data if form is not None else {})
    except PermissionDenied:
        messages.error(request, _("Bạn không có quyền thực hiện thao tác này với hồ sơ."))
        return _dossier_page(request, dossier, status=403)
    except DomainError as exc:
        if form is not None:
            apply_errors(form, exc)
        messages.error(request, exc.detail)
        return _dossier_page(request, _dossier(request, code), (chosen.value, form), status=exc.status)
    messages.success(
        request,
        _("Đã thực hiện: %(action)s. Trạng thái hồ sơ: %(status)s.")
        % {"action": str(ACTION_LABELS[chosen]), "status": done.get_status_display()},
    )
    follow = {
        Action.RECEIVE: "01",
        Action.REQUEST_SUPPLEMENT: "02",
        Action.REJECT: "03",
        Action.EXTEND: "04",
        Action.RETURN_RESULT: "handover",
    }.get(chosen)
    target = reverse("backoffice:dossier", args=[code])
    if follow:
        target += f"?in={follow}#bieu-mau"
    # after some actions the officer no longer sees the dossier (handed to another agency): back to the inbox
    if selectors.visible_dossier_id(request.user, code) is None:
        target = reverse("backoffice:inbox")
    return HttpResponseRedirect(target)


@require_GET
@guard.staff_required
def document_download(request: HttpRequest, code: str, document_id: int) -> FileResponse:
    """A dossier's file, to staff who may see the dossier; never from a public media URL."""
    try:
        document = queues.document_for(request.user, code, document_id)
    except NotFound as exc:
        raise _not_found() from exc
    inline = request.GET.get("download") != "1"
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        as_attachment=not inline,
        filename=document.original_name,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@guard.staff_required
def form_pdf(request: HttpRequest, code: str, form: str) -> HttpResponse:
    dossier = _dossier(request, code)
    try:
        pdf = official_forms.render_form(dossier, form)
    except NotFound as exc:
        raise Http404(_("Hồ sơ không có biểu mẫu này.")) from exc
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{dossier.code}-{form}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---- unit queue, approvals, returns -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@guard.staff_required
def unit_queue(request: HttpRequest) -> HttpResponse:
    """Phân công: a unit head's queue; (re)assign each dossier's current step."""
    if not access.can(request.user, access.Permission.ASSIGN_DOSSIER):
        raise PermissionDenied
    if request.method == "POST":
        dossier = _dossier(request, request.POST.get("code", ""))
        form = AssignForm(request.POST, people=queues.assignable_staff(dossier))
        if form.is_valid():
            try:
                services.dossier_assign(
                    dossier=dossier,
                    actor=request.user,
                    assignee=Staff.objects.get(pk=form.cleaned_data["assignee"]),
                    expected_revision=parse_number(request.POST.get("revision")),
                )
            except PermissionDenied:
                messages.error(request, _("Bạn không có quyền phân công hồ sơ này."))
            except DomainError as exc:
                messages.error(request, f"{dossier.code}: {exc.detail}")
            else:
                messages.success(request, _("Đã phân công hồ sơ %(code)s.") % {"code": dossier.code})
        else:
            messages.error(request, _("Chọn cán bộ hợp lệ cho hồ sơ %(code)s.") % {"code": dossier.code})
        return HttpResponseRedirect(reverse("backoffice:unit_queue"))
    queue = queues.unit_queue(request.user)
    rows = [
        {
            "dossier": d,
            "form": AssignForm(
                people=people, initial={"assignee": d.current_step.assignee_id if d.current_step else None}
            ),
        }
        for d, people in zip(queue, queues.assignable_staff_of(queue), strict=True)
    ]
    return render(request, "backoffice/unit_queue.html", {"rows": rows, "now": timezone.now()})


@require_http_methods(["GET", "POST"])
@guard.staff_required
def approvals(request: HttpRequest) -> HttpResponse:
    """Phê duyệt: the leader decides several dossiers at once; each is decided (or refused) on its own."""
    if not access.can(request.user, access.Permission.APPROVE_DOSSIER):
        raise PermissionDenied
    waiting = queues.awaiting_approval(request.user)
    form = BatchApproveForm(request.POST or None, codes=[d.code for d in waiting], initial={"outcome": Outcome.GRANTED})
    if request.method == "POST" and form.is_valid():
        by_code = {d.code: d for d in waiting}
        done, failed = [], []
        for code in form.cleaned_data["codes"]:
            try:
                result_services.dossier_approve_with_result(
                    dossier=by_code[code],
                    actor=request.user,
                    outcome=Outcome.GRANTED,
                    comment=form.cleaned_data["comment"],
                )
                done.append(code)
            except DomainError as exc:
                failed.append(_("%(code)s: %(reason)s") % {"code": code, "reason": exc.detail})
            except PermissionDenied:
                failed.append(_("%(code)s: bạn không có quyền phê duyệt hồ sơ này.") % {"code": code})
        if done:
            messages.success(
                request,
                ngettext("Đã phê duyệt %(n)s hồ sơ: %(codes)s.", "Đã phê duyệt %(n)s hồ sơ: %(codes)s.", len(done))
                % {"n": len(done), "codes": ", ".join(done)},
            )
        for line in failed:
            messages.error(request, line)
        return HttpResponseRedirect(reverse("backoffice:approvals"))
    return render(
        request,
        "backoffice/approvals.html",
        {"form": form, "rows": [{"dossier": d, "due": _step_due(d)} for d in waiting], "now": timezone.now()},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_GET
@guard.staff_required
def returns(request: HttpRequest) -> HttpResponse:
    """Trả kết quả: processed dossiers to hand over at this counter (or send by post / online)."""
    if not access.can(request.user, access.Permission.RETURN_RESULT):
        raise PermissionDenied
    return render(request, "backoffice/returns.html", {"rows": queues.awaiting_return(request.user)})


@require_GET
@guard.staff_required
def tracking(request: HttpRequest) -> HttpResponse:
    """Sổ theo dõi hồ sơ (mẫu 06) of a receiving agency for a period, as PDF or XLSX."""
    scope = access.agencies_in_scope(request.user, access.Permission.VIEW_AGENCY_DATA).order_by("name")
    agencies = [(a.code, a.name) for a in scope]
    today = timezone.localdate()
    form = TrackingBookForm(
        request.GET or None,
        agencies=agencies,
        initial={"start": today.replace(day=1), "end": today, "format": "pdf"},
    )
    if request.GET and form.is_valid():
        agency = scope.get(code=form.cleaned_data["agency"])
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        name = f"so-theo-doi-{agency.code}-{start:%Y%m%d}-{end:%Y%m%d}"
        if form.cleaned_data["format"] == "xlsx":
            response = HttpResponse(
                tracking_book.tracking_book_xlsx(agency, start, end),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        else:
            response = HttpResponse(tracking_book.tracking_book_pdf(agency, start, end), content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
        return response
    return render(request, "backoffice/tracking.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@guard.staff_required
def alerts(request: HttpRequest) -> HttpResponse:
    """Cảnh báo: the deadline alerts of the signed-in officer; mark them read."""
    if request.method == "POST":
        ids = [n for n in (parse_number(v) for v in request.POST.getlist("alert")) if n is not None]
        count = deadlines.alert_mark_read(user=request.user, alert_ids=ids)
        messages.success(
            request,
            ngettext("Đã đánh dấu %(n)s cảnh báo là đã đọc.", "Đã đánh dấu %(n)s cảnh báo là đã đọc.", count)
            % {"n": count},
        )
        return HttpResponseRedirect(reverse("backoffice:alerts"))
    show_all = request.GET.get("all") == "1"
    return render(
        request,
        "backoffice/alerts.html",
        {"alerts": selectors.alerts_for(request.user, unread_only=not show_all, limit=200), "show_all": show_all},
    )
