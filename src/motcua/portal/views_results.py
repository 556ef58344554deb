"""Citizen and public pages for electronic results: download a signed result, verify a result (/verify/<code>/)."""

from __future__ import annotations

from django import forms
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from motcua.core import ratelimit
from motcua.core.errors import NotFound
from motcua.results import selectors

VERIFY_LIMIT_PER_MINUTE = 20
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class VerifyUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp văn bản bạn đang giữ (PDF)"))

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Tệp không được quá 20 MB."))
        return bytes(upload.read())


@require_GET
def my_result(request: HttpRequest, code: str, result_id: int) -> FileResponse:
    """A signed result of the signed-in applicant's own dossier (also kept in their data store)."""
    if not request.user.is_authenticated:
        raise Http404(_("Không tìm thấy văn bản kết quả."))
    try:
        result = selectors.result_for_owner(request.user, code, result_id)
    except NotFound as exc:
        raise Http404(_("Không tìm thấy văn bản kết quả.")) from exc
    response = FileResponse(
        result.signed_file.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=result.original_name or f"ket-qua-{code}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Xác thực kết quả: public, no sign-in; shows procedure, agency, signer, signing time and validity only."""
    client = request.META.get("REMOTE_ADDR", "unknown")
    if not ratelimit.hit("verify", client, limit=VERIFY_LIMIT_PER_MINUTE, window_seconds=60):
        return render(request, "portal/verify.html", {"limited": True}, status=429)
    form = VerifyUploadForm(request.POST or None, request.FILES or None)
    uploaded = form.cleaned_data["file"] if request.method == "POST" and form.is_valid() else None
    outcome = selectors.verify(code, uploaded)
    status = 404 if not outcome.found else 200
    return render(request, "portal/verify.html", {"outcome": outcome, "form": form, "code": code}, status=status)
