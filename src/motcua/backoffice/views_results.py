"""Back-office pages for electronic results: attach or generate, sign, download (motcua.results)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from motcua.backoffice import guard
from motcua.core.errors import DomainError, NotFound
from motcua.dossiers import selectors as dossier_selectors
from motcua.dossiers.models import Dossier
from motcua.org import access
from motcua.results import selectors, services
from motcua.results.models import ResultDocument


class AttachForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Loại kết quả"), choices=ResultDocument.Kind.choices)
    title = forms.CharField(label=gettext_lazy("Trích yếu"), max_length=500)
    file = forms.FileField(label=gettext_lazy("Tệp kết quả (PDF)"))


class GenerateForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Trích yếu"), max_length=500, required=False)


def _dossier(request: HttpRequest, code: str) -> Dossier:
    if access.staff_of(request.user) is None and not request.user.is_superuser:
        raise Http404(_("Không tìm thấy hồ sơ, hoặc bạn không có quyền xem hồ sơ này."))
    try:
        return dossier_selectors.dossier_for(request.user, code)
    except NotFound as exc:
        raise Http404(_("Không tìm thấy hồ sơ, hoặc bạn không có quyền xem hồ sơ này.")) from exc


def _page(request: HttpRequest, dossier: Dossier, attach: AttachForm | None = None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "backoffice/results.html",
        {
            "dossier": dossier,
            "results": list(selectors.results_of(dossier)),
            "can_attach": services.can_attach(request.user, dossier),
            "can_sign": services.can_sign(request.user, dossier),
            "attach_form": attach or AttachForm(),
            "generate_form": GenerateForm(),
        },
        status=status,
    )


def _back(code: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("backoffice:results", args=[code]))


@require_GET
@guard.staff_required
def results(request: HttpRequest, code: str) -> HttpResponse:
    return _page(request, _dossier(request, code))


def _refused(request: HttpRequest, dossier: Dossier, exc: Exception, form: AttachForm | None = None) -> HttpResponse:
    if isinstance(exc, PermissionDenied):
        messages.error(request, _("Bạn không có quyền thực hiện thao tác này với hồ sơ."))
        return _page(request, dossier, form, status=403)
    assert isinstance(exc, DomainError)
    messages.error(request, exc.detail)
    return _page(request, dossier, form, status=exc.status)


@require_POST
@guard.staff_required
def result_attach(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _dossier(request, code)
    form = AttachForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Thông tin chưa hợp lệ; xem các ô được đánh dấu."))
        return _page(request, dossier, form, status=400)
    try:
        services.result_attach(
            dossier=dossier,
            actor=request.user,
            file=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
            kind=form.cleaned_data["kind"],
        )
    except (PermissionDenied, DomainError) as exc:
        return _refused(request, dossier, exc, form)
    messages.success(request, _("Đã đính kèm văn bản kết quả."))
    return _back(code)


@require_POST
@guard.staff_required
def result_generate(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _dossier(request, code)
    form = GenerateForm(request.POST)
    title = form.cleaned_data["title"] if form.is_valid() else ""
    try:
        services.result_generate(dossier=dossier, actor=request.user, title=title)
    except (PermissionDenied, DomainError) as exc:
        return _refused(request, dossier, exc)
    messages.success(request, _("Đã tạo văn bản kết quả."))
    return _back(code)


def _result(request: HttpRequest, code: str, result_id: int) -> ResultDocument:
    try:
        return selectors.result_for_staff(request.user, code, result_id)
    except NotFound as exc:
        raise Http404(_("Không tìm thấy văn bản kết quả.")) from exc


@require_POST
@guard.staff_required
def result_sign(request: HttpRequest, code: str, result_id: int) -> HttpResponse:
    result = _result(request, code, result_id)
    try:
        services.result_sign(result=result, actor=request.user)
    except (PermissionDenied, DomainError) as exc:
        return _refused(request, result.dossier, exc)
    messages.success(request, _("Đã ký số văn bản kết quả."))
    return _back(code)


@require_GET
@guard.staff_required
def result_download(request: HttpRequest, code: str, result_id: int) -> FileResponse:
    result = _result(request, code, result_id)
    file: Any = result.signed_file if result.is_signed else result.file
    response = FileResponse(
        file.open("rb"),
        content_type="application/pdf",
        as_attachment=request.GET.get("download") == "1",
        filename=result.original_name or f"{code}.pdf",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
