"""Single sign-on with an OpenID Connect provider (the national e-identity VNeID is one), on mozilla-django-oidc.

The backend is in `AUTHENTICATION_BACKENDS` only when `OIDC_RP_CLIENT_ID` is set (see the settings and
docs/accounts.md). Compared with the library's defaults it also checks the audience (our client id), the issuer
when `OIDC_OP_ISSUER` is set, the expiry, and that the user-info subject is the ID token's subject; it finds or
creates the account by the personal ID claim and copies the identity claims to the profile, marked verified.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from motcua.accounts import services
from motcua.accounts.identifiers import is_id_number, normalise_email, normalise_phone
from motcua.core.errors import DomainError
from motcua.org import access

logger = logging.getLogger(__name__)

DEFAULT_CLAIMS = {
    "id_number": "sub",
    "full_name": "name",
    "birth_date": "birthdate",
    "gender": "gender",
    "phone": "phone_number",
    "email": "email",
}
_GENDERS = {
    "male": "male",
    "m": "male",
    "nam": "male",
    "female": "female",
    "f": "female",
    "nữ": "female",
    "nu": "female",
}


def enabled() -> bool:
    return bool(getattr(settings, "MOTCUA_OIDC_ENABLED", False))


def claim_mapping() -> dict[str, str]:
    """Profile field -> claim name: the defaults overridden by the setting `MOTCUA_OIDC_CLAIMS`."""
    return {**DEFAULT_CLAIMS, **dict(getattr(settings, "MOTCUA_OIDC_CLAIMS", {}) or {})}


def _text(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name) if name else None
    return str(value).strip() if value is not None else ""


def _date(text: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d"):
        try:
            parsed = dt.datetime.strptime(text, pattern).date()  # a calendar date: no time zone
        except ValueError:
            continue
        return parsed if parsed.year > 1800 else None
    return None


def identity_from_claims(
    claims: Mapping[str, Any], mapping: Mapping[str, str] | None = None
) -> services.VerifiedIdentity:
    """The identity asserted by the claims; SuspiciousOperation when there is no 12-digit personal ID."""
    names = {**DEFAULT_CLAIMS, **(mapping or {})}
    id_number = _text(claims, names["id_number"])
    if not is_id_number(id_number):
        raise SuspiciousOperation("The e-identity did not give a 12-digit personal identification number")
    phone_claim, email_claim = names["phone"], names["email"]
    return services.VerifiedIdentity(
        id_number=id_number,
        full_name=" ".join(_text(claims, names["full_name"]).split())[:255],
        birth_date=_date(_text(claims, names["birth_date"])),
        gender=_GENDERS.get(_text(claims, names["gender"]).lower(), ""),
        phone=normalise_phone(_text(claims, phone_claim)) or "",
        email=normalise_email(_text(claims, email_claim)) or "",
        phone_verified=claims.get(f"{phone_claim}_verified") is True,
        email_verified=claims.get(f"{email_claim}_verified") is True,
    )


class IdentityBackend(OIDCAuthenticationBackend):
    """Sign-in with the e-identity: strict token checks, account by personal ID, identity marked verified."""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        # Only the OIDC callback passes `nonce`; a password sign-in never reaches the provider.
        if request is None or "nonce" not in kwargs or not enabled():
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, requests.RequestException, ValueError, KeyError) as error:
            logger.warning("e-identity sign-in refused: %s", error)
            return None

    def get_user(self, user_id: Any) -> Any:
        """The session's user as a password sign-in's (`AccountBackend`): active accounts only (the library's
        own read takes a deactivated one too), read with the session, with the staff record and agency."""
        from motcua.accounts.backends import AccountBackend

        return AccountBackend().get_user(user_id)

    def _verify_jws(self, payload: str, key: Any) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(payload)
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation("Malformed token") from error
        algorithm = header.get("alg")
        if algorithm != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"Token algorithm {algorithm!r} is not {self.OIDC_RP_SIGN_ALGO!r}")
        issuer = getattr(settings, "OIDC_OP_ISSUER", "") or None
        try:
            claims: dict[str, Any] = jwt.decode(
                payload,
                key,
                algorithms=[algorithm],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=issuer,
                leeway=60,
                options={"require": ["aud", "exp"]},
            )
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(f"Token refused: {error}") from error
        return claims

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        user_info = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(user_info, dict):
            raise SuspiciousOperation("User info is not an object")
        if user_info.get("sub") is not None and user_info.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("User info subject differs from the ID token subject")
        identity = identity_from_claims({**payload, **user_info}, claim_mapping())
        signed_in = getattr(self.request, "user", None)
        try:
            return services.account_from_identity(
                identity=identity,
                source="oidc",
                signed_in=signed_in if signed_in and signed_in.is_authenticated else None,
            )
        except DomainError as error:
            raise SuspiciousOperation(str(error)) from error


def _safe_next(request: HttpRequest, target: str | None) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


class IdentityStartView(OIDCAuthenticationRequestView):
    """/oidc/authenticate/: off (404) unless the provider is configured."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not enabled():
            raise Http404("Single sign-on is not configured")
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        return response


class IdentityCallbackView(OIDCAuthenticationCallbackView):
    """/oidc/callback/: staff go to the back office, citizens to `next` or their profile; failures back to sign-in."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not enabled():
            raise Http404("Single sign-on is not configured")
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        return response

    @property
    def failure_url(self) -> str:
        return f"{reverse('accounts:login')}?sso=failed"

    @property
    def success_url(self) -> str:
        if access.staff_of(self.user) is not None:
            return "/can-bo/"
        return _safe_next(self.request, self.request.session.get("oidc_login_next")) or reverse("accounts:profile")

    def login_failure(self) -> HttpResponseRedirect:
        return HttpResponseRedirect(self.failure_url)
