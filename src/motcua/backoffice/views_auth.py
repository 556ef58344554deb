"""Staff sign-in: password, lockout, and the TOTP second factor (django-otp)."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import urlencode

import segno
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.accounts.backends import BACKEND
from motcua.backoffice import guard
from motcua.backoffice.forms import CodeForm, LoginForm
from motcua.core import lockout, ratelimit
from motcua.org import access

PENDING = "backoffice_pending_user"


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("backoffice:inbox")


def _locked_message(until: dt.datetime) -> str:
    return _("Tài khoản tạm khóa do đăng nhập sai nhiều lần. Thử lại sau %(time)s.") % {
        "time": timezone.localtime(until).strftime("%H:%M")
    }


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and not ratelimit.sign_in_allowed(request):
        form.is_valid()
        form.add_error(None, _("Quá nhiều lần đăng nhập từ địa chỉ này. Vui lòng thử lại sau một phút."))
        return render(request, "backoffice/login.html", {"form": form, "next": _next(request)}, status=429)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        until = lockout.locked_until(username)
        if until is not None:
            form.add_error(None, _locked_message(until))
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                until = lockout.record_failure(username)
                form.add_error(None, _locked_message(until) if until else _("Sai tên đăng nhập hoặc mật khẩu."))
            elif access.staff_of(user) is None and not user.is_superuser:
                form.add_error(None, _("Tài khoản này không phải tài khoản cán bộ."))
            else:
                lockout.record_success(username)
                if guard.has_device(user):
                    request.session.cycle_key()
                    request.session[PENDING] = user.pk
                    return HttpResponseRedirect(f"{reverse('backoffice:verify')}?{urlencode({'next': _next(request)})}")
                login(request, user)
                if guard.second_factor(request) == guard.SecondFactor.ENROL:
                    return HttpResponseRedirect(reverse("backoffice:security"))
                return HttpResponseRedirect(_next(request))
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "backoffice/login.html", {"form": form, "next": _next(request)}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    """The one-time code after the password (or for a session signed in before the device was set up)."""
    user = request.user if request.user.is_authenticated else None
    if user is None:
        pending = request.session.get(PENDING)
        user = get_user_model().objects.filter(pk=pending, is_active=True).first() if pending else None
    if user is None:
        return HttpResponseRedirect(reverse("backoffice:login"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = user.get_username()
        until = lockout.locked_until(name)
        device = None if until else match_token(user, form.cleaned_data["token"])
        if until is not None:
            form.add_error("token", _locked_message(until))
        elif device is None:
            until = lockout.record_failure(name)
            form.add_error("token", _locked_message(until) if until else _("Mã không đúng hoặc đã hết hạn."))
        else:
            lockout.record_success(name)
            request.session.pop(PENDING, None)
            if not request.user.is_authenticated:
                login(request, user, backend=BACKEND)
            request.session.cycle_key()  # a new session id for the raised privilege
            otp_login(request, device)
            return HttpResponseRedirect(_next(request))
    return render(
        request,
        "backoffice/verify.html",
        {"form": form, "next": _next(request)},
        status=400 if form.errors else 200,
    )


def _qr_data_uri(text: str) -> str:
    svg = segno.make(text, error="m").svg_inline(scale=4)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@never_cache
@require_http_methods(["GET", "POST"])
def security_view(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: scan the code, confirm with a first code."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(reverse("backoffice:login"))
    user = request.user
    if access.staff_of(user) is None and not user.is_superuser:
        return render(request, "backoffice/denied.html", status=403)
    if guard.second_factor(request) == guard.SecondFactor.VERIFY:
        return HttpResponseRedirect(reverse("backoffice:verify"))
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = confirmed or TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="motcua", confirmed=False)
    form = CodeForm(request.POST or None)
    if confirmed is None and request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            request.session.cycle_key()
            otp_login(request, device)
            return HttpResponseRedirect(reverse("backoffice:inbox"))
        form.add_error("token", _("Mã không đúng. Kiểm tra giờ của điện thoại và thử lại."))
    secret = base64.b32encode(device.bin_key).decode() if confirmed is None else ""
    return render(
        request,
        "backoffice/security.html",
        {
            "form": form,
            "confirmed": confirmed is not None,
            "secret": secret,
            "qr": _qr_data_uri(device.config_url) if confirmed is None else "",
            "required": guard.is_administrator(user),
        },
        status=400 if form.errors else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(reverse("backoffice:login"))
