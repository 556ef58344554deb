"""Citizen pages for dossiers: public lookup, online submission (drafts), my dossiers, supplements,
withdrawal, downloads, satisfaction rating. They parse, call one service or selector, and render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.catalog import selectors as catalog_selectors
from motcua.core import ratelimit
from motcua.core.dbrouter import reading_from_replica
from motcua.core.errors import DomainError, NotFound
from motcua.core.text import parse_number
from motcua.dossiers import official_forms, online, selectors, services
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierDraft, SatisfactionRating, Status
from motcua.integrations.population import services as population
from motcua.portal import citizen_forms as forms

LOOKUP_LIMIT_PER_MINUTE = 20


def _client(request: HttpRequest) -> str:
    return ratelimit.client_address(request)


@require_http_methods(["GET", "POST"])
@reading_from_replica()  # read-only: the dossier and its timeline may come from the read replica
def lookup(request: HttpRequest) -> HttpResponse:
    """Tra cứu hồ sơ: by code and ID number (the QR code on the receipt opens this page with the code).

    The ID number is posted, never put in the address, so it stays out of browser history and server logs.
    """
    form = forms.LookupForm(request.POST or None, initial={"code": request.GET.get("code", "")[:40]})
    dossier = None
    status = 200
    if form.is_bound and form.is_valid():
        limit = int(getattr(settings, "LOOKUP_RATE_PER_MINUTE", LOOKUP_LIMIT_PER_MINUTE))
        if not ratelimit.hit("lookup", _client(request), limit=limit, window_seconds=60):
            form.add_error(None, _("Bạn tra cứu quá nhiều lần; hãy thử lại sau một phút."))
            status = 429
        else:
            try:
                dossier = selectors.public_lookup(
                    code=form.cleaned_data["code"].strip(), id_number=form.cleaned_data["id_number"].strip()
                )
            except NotFound:
                form.add_error(None, _("Không tìm thấy hồ sơ có mã và số định danh này."))
                status = 404
    elif form.is_bound:
        status = 400
    context: dict[str, Any] = {"form": form, "dossier": dossier}
    if dossier is not None:
        context["masked_name"] = selectors.mask_name(dossier.applicant_name)
        context["timeline"] = [(at, Status(s).label) for at, s in selectors.public_timeline(dossier)]
    return render(request, "portal/lookup.html", context, status=status)


# ---- my dossiers ------------------------------------------------------------------------------------------


@require_GET
@login_required
def my_dossiers(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/my_dossiers.html",
        {
            "dossiers": selectors.account_dossier_list(request.user),
            "drafts": online.drafts_of(request.user),
        },
    )


def _own(request: HttpRequest, code: str) -> Dossier:
    try:
        return selectors.own_dossier(request.user, code)
    except NotFound as exc:
        raise Http404(_("Không tìm thấy hồ sơ của bạn với mã này.")) from exc


def _requested_components(dossier: Dossier) -> list[str]:
    event = selectors.history(dossier).filter(action="request_supplement").order_by("-seq").first()
    return list(event.data.get("components", [])) if event is not None else []


def _my_dossier_page(
    request: HttpRequest, dossier: Dossier, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    requested = _requested_components(dossier) if dossier.status == Status.AWAITING_SUPPLEMENT else []
    names = dict(dossier.procedure_version.components.values_list("code", "name"))
    supplement_request = None
    if requested:
        event = selectors.history(dossier).filter(action="request_supplement").order_by("-seq").first()
        supplement_request = event.comment if event else ""
    context = {
        "dossier": dossier,
        "timeline": [(at, Status(s).label) for at, s in selectors.public_timeline(dossier)],
        "documents": list(dossier.documents.all()),
        "fees": list(dossier.fees.all()),
        "forms_available": [(c, official_forms.FORMS[c]) for c in official_forms.available_forms(dossier)],
        "requested": [(code, names.get(code, code)) for code in requested],
        "supplement_reason": supplement_request,
        "supplement_form": (bound or {}).get("supplement")
        or forms.SupplementForm(components=[(c, names.get(c, c)) for c in requested]),
        "can_withdraw": Action.WITHDRAW in services.actions_for(request.user, dossier),
        "withdraw_form": (bound or {}).get("withdraw") or forms.WithdrawForm(),
        "rating": SatisfactionRating.objects.filter(dossier=dossier).first(),
        "rating_form": (bound or {}).get("rating") or forms.RatingForm(),
        "indicators": online.RATING_INDICATORS,
    }
    return render(request, "portal/my_dossier.html", context, status=status)


@require_GET
@login_required
def my_dossier(request: HttpRequest, code: str) -> HttpResponse:
    return _my_dossier_page(request, _own(request, code))


@require_POST
@login_required
def my_dossier_supplement(request: HttpRequest, code: str) -> HttpResponse:
    """Bổ sung trực tuyến: upload the requested components; the clock resumes."""
    dossier = _own(request, code)
    names = dict(dossier.procedure_version.components.values_list("code", "name"))
    requested = _requested_components(dossier)
    form = forms.SupplementForm(request.POST, request.FILES, components=[(c, names.get(c, c)) for c in requested])
    if not form.is_valid():
        return _my_dossier_page(request, dossier, {"supplement": form}, status=400)
    try:
        services.dossier_supplement_online(dossier=dossier, actor=request.user, files=form.files_by_component())
    except DomainError as exc:
        forms.apply_errors(form, exc)
        return _my_dossier_page(request, _own(request, code), {"supplement": form}, status=exc.status)
    messages.success(request, _("Đã gửi giấy tờ bổ sung. Hồ sơ tiếp tục được giải quyết."))
    return HttpResponseRedirect(reverse("portal:my_dossier", args=[code]))


@require_POST
@login_required
def my_dossier_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _own(request, code)
    form = forms.WithdrawForm(request.POST)
    if not form.is_valid():
        return _my_dossier_page(request, dossier, {"withdraw": form}, status=400)
    try:
        services.dossier_withdraw(dossier=dossier, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        forms.apply_errors(form, exc)
        return _my_dossier_page(request, _own(request, code), {"withdraw": form}, status=exc.status)
    messages.success(request, _("Đã rút hồ sơ."))
    return HttpResponseRedirect(reverse("portal:my_dossier", args=[code]))


@require_POST
@login_required
def my_dossier_rate(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _own(request, code)
    form = forms.RatingForm(request.POST)
    if not form.is_valid():
        return _my_dossier_page(request, dossier, {"rating": form}, status=400)
    try:
        online.rating_submit(dossier=dossier, actor=request.user, **form.rating())
    except DomainError as exc:
        forms.apply_errors(form, exc)
        return _my_dossier_page(request, dossier, {"rating": form}, status=exc.status)
    messages.success(request, _("Cảm ơn bạn đã đánh giá."))
    return HttpResponseRedirect(reverse("portal:my_dossier", args=[code]))


@require_GET
@login_required
def my_dossier_form(request: HttpRequest, code: str, form: str) -> HttpResponse:
    dossier = _own(request, code)
    try:
        pdf = official_forms.render_form(dossier, form)
    except NotFound as exc:
        raise Http404(_("Hồ sơ không có biểu mẫu này.")) from exc
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{dossier.code}-{form}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def my_document(request: HttpRequest, code: str, document_id: int) -> FileResponse:
    dossier = _own(request, code)
    document = dossier.documents.filter(pk=document_id).exclude(file="").first()
    if document is None:
        raise Http404(_("Không tìm thấy giấy tờ."))
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        as_attachment=True,
        filename=document.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


# ---- online submission ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def submission_start(request: HttpRequest, code: str) -> HttpResponse:
    """Nộp trực tuyến: open a draft for the procedure and go to it (GET shows the button, after signing in)."""
    if request.method == "GET":
        version = catalog_selectors.procedure_detail(code=code)
        if version is None:
            raise Http404(_("Không có thủ tục đang áp dụng với mã này."))
        return render(request, "portal/submission_start.html", {"version": version})
    try:
        draft = online.draft_create(actor=request.user, procedure_code=code)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return HttpResponseRedirect(reverse("portal:procedure", args=[code]))
    return HttpResponseRedirect(reverse("portal:draft", args=[draft.pk]))


def _draft(request: HttpRequest, pk: int) -> DossierDraft:
    try:
        return online.draft_for(request.user, pk)
    except NotFound as exc:
        raise Http404(_("Không tìm thấy hồ sơ nháp.")) from exc


def _draft_page(
    request: HttpRequest, draft: DossierDraft, form: forms.DraftForm, status: int = 200, review: bool = False
) -> HttpResponse:
    attached = {d["component"]: d for d in draft.documents}
    components = [
        {
            "component": c,
            "attached": attached.get(c.code),
            "stored": [s for s in form.store if s.component_code in ("", c.code)] or form.store,
        }
        for c in draft.procedure_version.components.order_by("order", "pk")
    ]
    return render(
        request,
        "portal/draft_review.html" if review else "portal/draft.html",
        {
            "draft": draft,
            "version": draft.procedure_version,
            "form": form,
            "components": components,
            "eform": form.eform_html(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def draft(request: HttpRequest, pk: int) -> HttpResponse:
    """The online form: applicant, agency, e-form, documents, result delivery; saved at every button."""
    current = _draft(request, pk)
    if request.method == "GET":
        return _draft_page(request, current, forms.DraftForm(draft=current, user=request.user))
    form = forms.DraftForm(request.POST, request.FILES, draft=current, user=request.user)
    form.is_valid()  # a draft keeps even incomplete input; the submission checks everything
    online.draft_update(draft=current, actor=request.user, **form.draft_values())
    action = request.POST.get("action", "save")
    try:
        if action.startswith("attach:"):
            component = action.split(":", 1)[1]
            upload = request.FILES.get(f"file_{component}")
            stored = request.POST.get(f"store_{component}", "")
            online.draft_attach(
                draft=current,
                actor=request.user,
                component=component,
                file=upload,
                stored_id=parse_number(stored) if upload is None else None,
            )
            messages.success(request, _("Đã đính kèm giấy tờ."))
        elif action.startswith("remove:"):
            online.draft_detach(draft=current, actor=request.user, component=action.split(":", 1)[1])
        elif action == "population":
            try:
                _fill_from_population(request, current, form)
            except PermissionDenied:  # the daily number of lookups is used up
                messages.error(request, _("Bạn đã tra cứu CSDL dân cư nhiều lần trong ngày; hãy nhập thông tin."))
        elif action == "review":
            return HttpResponseRedirect(reverse("portal:draft_review", args=[current.pk]))
        elif action == "delete":
            online.draft_delete(draft=current, actor=request.user)
            messages.success(request, _("Đã xóa hồ sơ nháp."))
            return HttpResponseRedirect(reverse("portal:my_dossiers"))
        else:
            messages.success(request, _("Đã lưu hồ sơ nháp; bạn có thể tiếp tục sau."))
    except DomainError as exc:
        forms.apply_errors(form, exc)
        return _draft_page(request, _draft(request, pk), form, status=exc.status)
    return HttpResponseRedirect(reverse("portal:draft", args=[current.pk]) + "#giay-to")


def _fill_from_population(request: HttpRequest, current: DossierDraft, form: forms.DraftForm) -> None:
    """ "Điền từ CSDL dân cư": the applicant's identity and the e-form from the population database."""
    applicant = current.applicant
    birth = applicant.get("birth_date", "")
    citizen = population.population_lookup(
        actor=request.user,
        id_number=applicant.get("id_number", ""),
        full_name=applicant.get("full_name", ""),
        birth_year=parse_number(birth[:4]) or 0,
        purpose="Điền sẵn tờ khai nộp trực tuyến",  # stored in the lookup log as written, not translated
    )
    if citizen is None:
        messages.warning(request, _("Không tìm thấy công dân khớp số định danh, họ tên và năm sinh đã nhập."))
        return
    source = citizen.as_source()
    filled = {
        **applicant,
        "full_name": citizen.full_name,
        "birth_date": citizen.birth_date.isoformat() if citizen.birth_date else birth,
        "ward_code": source.get("permanent_ward_code", applicant.get("ward_code", "")),
        "address_line": source.get("permanent_address_line", applicant.get("address_line", "")),
    }
    online.draft_update(
        draft=current,
        actor=request.user,
        applicant=filled,
        agency_code=current.agency_code,
        receiving_agency_code=current.receiving_agency_code,
        form_data=form.eform_values(population=source) if form.eform_items else current.form_data,
        delivery_method=current.delivery_method,
        delivery_ward_code=current.delivery_ward_code,
        delivery_address=current.delivery_address,
    )
    messages.success(request, _("Đã điền thông tin từ Cơ sở dữ liệu quốc gia về dân cư; hãy kiểm tra lại."))


@require_http_methods(["GET", "POST"])
@login_required
def draft_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Xem lại và nộp: everything on one page; the submission checks it all and shows what is missing."""
    current = _draft(request, pk)
    form = forms.DraftForm(forms.draft_as_data(current), draft=current, user=request.user)
    form.is_valid()
    if request.method == "POST":
        try:
            dossier = online.draft_submit(draft=current, actor=request.user)
        except PermissionDenied:
            raise
        except DomainError as exc:
            forms.apply_errors(form, exc)
            return _draft_page(request, current, form, status=exc.status, review=True)
        messages.success(
            request,
            _("Đã nộp hồ sơ %(code)s. Hồ sơ sẽ được tiếp nhận trong 8 giờ làm việc.") % {"code": dossier.code},
        )
        return HttpResponseRedirect(reverse("portal:my_dossier", args=[dossier.code]))
    return _draft_page(request, current, form, review=True)


@require_GET
@login_required
def data_store(request: HttpRequest) -> HttpResponse:
    """Kho dữ liệu cá nhân: documents and results kept for reuse."""
    return render(request, "portal/data_store.html", {"documents": online.stored_documents(request.user)})


# ---- kiosk rating at the counter -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def kiosk_rating(request: HttpRequest) -> HttpResponse:
    """Đánh giá tại quầy: the applicant identifies the dossier by code and ID number, then rates it."""
    form = forms.KioskRatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # one limit with the lookup page: both answer whether a code and an ID number match
        limit = int(getattr(settings, "LOOKUP_RATE_PER_MINUTE", LOOKUP_LIMIT_PER_MINUTE))
        if not ratelimit.hit("lookup", _client(request), limit=limit, window_seconds=60):
            form.add_error(None, _("Quá nhiều lượt; hãy thử lại sau một phút."))
            return render(
                request, "portal/kiosk.html", {"form": form, "indicators": online.RATING_INDICATORS}, status=429
            )
        try:
            dossier = selectors.public_lookup(code=form.cleaned_data["code"], id_number=form.cleaned_data["id_number"])
            online.rating_submit(
                dossier=dossier, actor=request.user, channel=SatisfactionRating.Channel.KIOSK, **form.rating()
            )
        except NotFound:
            form.add_error(None, _("Không tìm thấy hồ sơ có mã và số định danh này."))
        except DomainError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _("Cảm ơn bạn đã đánh giá."))
            return HttpResponseRedirect(reverse("portal:kiosk"))
        return render(request, "portal/kiosk.html", {"form": form, "indicators": online.RATING_INDICATORS}, status=400)
    return render(request, "portal/kiosk.html", {"form": form, "indicators": online.RATING_INDICATORS})
