"""Citizen and business account pages: sign-in, registration, verification, password reset, profile.

Views parse a form, call one service or selector and render; every page works without JavaScript.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from motcua.accounts import oidc, selectors, services
from motcua.accounts.backends import BACKEND
from motcua.accounts.forms import (
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResendForm,
    ResetConfirmForm,
    ResetRequestForm,
    VerifyForm,
    apply_errors,
)
from motcua.accounts.identifiers import parse_identifier
from motcua.accounts.models import Profile
from motcua.core import ratelimit
from motcua.core.errors import DomainError
from motcua.org import access

PENDING_REGISTRATION = "accounts_pending_registration"
PENDING_RESET = "accounts_pending_reset"
STAFF_HOME = "/can-bo/"


def _client(request: HttpRequest) -> str:
    return ratelimit.client_address(request)


def _language(request: HttpRequest) -> str:
    return str(getattr(request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _landing(request: HttpRequest, user: Any) -> str:
    """Staff go to the back office (which asks for their second factor); citizens to `next` or their profile."""
    if access.staff_of(user) is not None or user.is_superuser:
        return STAFF_HOME
    return _safe_next(request) or reverse("accounts:profile")


def _status(request: HttpRequest, form: Any, error: DomainError | None = None) -> int:
    if error is not None and error.status == 429:
        return 429
    return 400 if request.method == "POST" and form.errors else 200


def _normalised(text: str) -> str:
    parsed = parse_identifier(text)
    return parsed.value if parsed else ""


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Đăng nhập: phone number, e-mail or username and password; or the e-identity when configured."""
    form = LoginForm(request.POST or None)
    error: DomainError | None = None
    unverified = False
    limited = request.method == "POST" and not ratelimit.sign_in_allowed(request)
    if limited:
        form.is_valid()
        form.add_error(None, _("Quá nhiều lần đăng nhập từ địa chỉ này. Vui lòng thử lại sau một phút."))
    elif request.method == "POST" and form.is_valid():
        try:
            user: Any = services.account_login(
                request=request,
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
            )
        except services.NotVerified as refused:
            error, unverified = refused, True
            request.session[PENDING_REGISTRATION] = _normalised(form.cleaned_data["identifier"])
            form.add_error(None, refused.detail)
        except DomainError as refused:
            error = refused
            form.add_error(None, refused.detail)
        else:
            if access.staff_of(user) is not None or user.is_superuser:
                # staff sign in at the back office, where the second factor and its rules apply
                messages.info(request, _("Tài khoản cán bộ đăng nhập tại trang cán bộ."))
                return HttpResponseRedirect(reverse("backoffice:login"))
            login(request, user)
            return HttpResponseRedirect(_landing(request, user))
    context = {
        "form": form,
        "next": _safe_next(request),
        "unverified": unverified,
        "sso_failed": request.method == "GET" and request.GET.get("sso") == "failed",
        "oidc_enabled": oidc.enabled(),
        "oidc_label": getattr(settings, "MOTCUA_OIDC_LABEL", "") or _("Đăng nhập bằng tài khoản định danh điện tử"),
    }
    return render(request, "accounts/login.html", context, status=429 if limited else _status(request, form, error))


@never_cache
@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    """Đăng ký tài khoản bằng số điện thoại hoặc thư điện tử."""
    form = RegisterForm(request.POST or None)
    error: DomainError | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            profile = services.account_register(
                identifier=data["identifier"],
                password=data["password"],
                full_name=data["full_name"],
                kind=data["kind"],
                business_name=data.get("business_name", ""),
                tax_code=data.get("tax_code", ""),
                language=_language(request),
                client=_client(request),
            )
        except DomainError as refused:
            error = refused
            apply_errors(form, refused)
        else:
            request.session[PENDING_REGISTRATION] = profile.user.get_username()
            messages.success(request, _("Đã gửi mã xác minh. Mã có hiệu lực trong 10 phút."))
            return HttpResponseRedirect(reverse("accounts:verify"))
    return render(request, "accounts/register.html", {"form": form}, status=_status(request, form, error))


def _verify_page(request: HttpRequest, form: VerifyForm, resend: ResendForm, status: int = 200) -> HttpResponse:
    pending = str(request.session.get(PENDING_REGISTRATION, ""))
    return render(request, "accounts/verify.html", {"form": form, "resend": resend, "pending": pending}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    """Xác minh tài khoản: the six-digit code sent by SMS or e-mail."""
    pending = str(request.session.get(PENDING_REGISTRATION, ""))
    form = VerifyForm(request.POST or None, initial={"identifier": pending})
    resend = ResendForm(prefix="resend", initial={"identifier": pending})
    error: DomainError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            user: Any = services.account_verify(
                identifier=form.cleaned_data["identifier"], code=form.cleaned_data["code"]
            )
        except DomainError as refused:
            error = refused
            apply_errors(form, refused)
        else:
            request.session.pop(PENDING_REGISTRATION, None)
            if pending and pending == user.get_username():
                # the same browser registered with the password a minute ago: sign it in
                login(request, user, backend=BACKEND)
                messages.success(request, _("Tài khoản đã được kích hoạt."))
                return HttpResponseRedirect(reverse("accounts:profile"))
            messages.success(request, _("Tài khoản đã được kích hoạt. Mời bạn đăng nhập."))
            return HttpResponseRedirect(reverse("accounts:login"))
    return _verify_page(request, form, resend, _status(request, form, error))


@never_cache
@require_POST
def resend_view(request: HttpRequest) -> HttpResponse:
    """Gửi lại mã (rate-limited per phone or e-mail and per client address)."""
    pending = str(request.session.get(PENDING_REGISTRATION, ""))
    resend = ResendForm(request.POST, prefix="resend")
    form = VerifyForm(initial={"identifier": pending})
    if resend.is_valid():
        try:
            services.code_resend(
                identifier=resend.cleaned_data["identifier"], language=_language(request), client=_client(request)
            )
        except DomainError as refused:
            apply_errors(resend, refused)
            return _verify_page(request, form, resend, 429 if refused.status == 429 else 400)
        messages.info(request, _("Nếu đăng ký đang chờ xác minh, mã mới đã được gửi."))
        return HttpResponseRedirect(reverse("accounts:verify"))
    return _verify_page(request, form, resend, 400)


@never_cache
@require_http_methods(["GET", "POST"])
def password_forgot_view(request: HttpRequest) -> HttpResponse:
    """Quên mật khẩu: the same answer whether or not an account has this phone number or e-mail."""
    form = ResetRequestForm(request.POST or None)
    error: DomainError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_request(
                identifier=form.cleaned_data["identifier"], language=_language(request), client=_client(request)
            )
        except DomainError as refused:
            error = refused
            apply_errors(form, refused)
        else:
            request.session[PENDING_RESET] = _normalised(form.cleaned_data["identifier"])
            messages.info(
                request,
                _("Nếu số điện thoại hoặc thư điện tử này có tài khoản, chúng tôi đã gửi mã để đặt lại mật khẩu."),
            )
            return HttpResponseRedirect(reverse("accounts:password_reset"))
    return render(request, "accounts/password_forgot.html", {"form": form}, status=_status(request, form, error))


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_view(request: HttpRequest) -> HttpResponse:
    """Đặt lại mật khẩu bằng mã đã nhận."""
    form = ResetConfirmForm(request.POST or None, initial={"identifier": request.session.get(PENDING_RESET, "")})
    error: DomainError | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.password_reset_confirm(
                identifier=data["identifier"], code=data["code"], new_password=data["new_password"]
            )
        except DomainError as refused:
            error = refused
            apply_errors(form, refused)
        else:
            request.session.pop(PENDING_RESET, None)
            messages.success(request, _("Đã đặt lại mật khẩu. Mời bạn đăng nhập bằng mật khẩu mới."))
            return HttpResponseRedirect(reverse("accounts:login"))
    return render(request, "accounts/password_reset.html", {"form": form}, status=_status(request, form, error))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    """Hồ sơ của tôi: only the signed-in user's own data; no URL names another account."""
    profile = selectors.profile_for(request.user) or Profile(user=cast(Any, request.user))
    form = ProfileForm(request.POST or None, profile=profile)
    error: DomainError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=request.user, changes=form.changes())
        except DomainError as refused:
            error = refused
            apply_errors(form, refused)
        else:
            messages.success(request, _("Đã lưu thông tin tài khoản."))
            return HttpResponseRedirect(reverse("accounts:profile"))
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "profile": profile, "oidc_enabled": oidc.enabled()},
        status=_status(request, form, error),
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect("/")


def account_home(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(reverse("accounts:profile"))
