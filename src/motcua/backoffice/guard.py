"""Who may open the back office: signed-in active staff, with a second factor where it is required.

The Django admin uses the same sign-in page and the same second-factor rule.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from motcua.org import access


class SecondFactor(StrEnum):
    DONE = "done"  # verified, or not needed
    VERIFY = "verify"  # has a device: must enter a code
    ENROL = "enrol"  # must set up a device first


def is_administrator(user: Any) -> bool:
    return access.is_administrator(user)


def has_device(user: Any) -> bool:
    return access.has_second_factor_device(user)


def second_factor(request: HttpRequest) -> SecondFactor:
    user = request.user
    verified = getattr(user, "is_verified", None)
    if callable(verified) and verified():
        return SecondFactor.DONE
    if has_device(user):
        return SecondFactor.VERIFY
    if access.second_factor_required(user, has_device=False):  # (asked just above: one query, not two)
        return SecondFactor.ENROL
    return SecondFactor.DONE


def _to_login(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('backoffice:login')}?{urlencode({'next': request.get_full_path()})}")


def staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed in, staff (or superuser), second factor done; otherwise the sign-in, code or set-up page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return _to_login(request)
        if access.staff_of(user) is None and not user.is_superuser:
            return render(request, "backoffice/denied.html", status=403)
        state = second_factor(request)
        if state == SecondFactor.ENROL:
            return HttpResponseRedirect(reverse("backoffice:security"))
        if state == SecondFactor.VERIFY:  # signed in before the device was set up: ask for a code now
            return HttpResponseRedirect(
                f"{reverse('backoffice:verify')}?{urlencode({'next': request.get_full_path()})}"
            )
        return view(request, *args, **kwargs)

    return wrapped


def protect_admin_site() -> None:
    """The admin signs in through the back office and honours the second-factor rule."""
    site = admin.site
    original = site.has_permission

    def has_permission(request: HttpRequest) -> bool:
        return bool(original(request)) and second_factor(request) == SecondFactor.DONE

    def login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        target = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(f"{reverse('backoffice:login')}?{urlencode({'next': target})}")

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.login = login  # type: ignore[method-assign]
