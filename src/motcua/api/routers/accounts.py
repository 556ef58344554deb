"""Sign-in for API callers and who they are."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import Field as PydanticField

from motcua.api.auth import TOKEN_LIFETIME_SECONDS, bearer, issue_token
from motcua.core import lockout, ratelimit
from motcua.core.text import person_name
from motcua.org import access

router = Router(tags=["accounts"])
# per account name (password guessing) and per address (an office behind one NAT has many officers)
TOKEN_ATTEMPTS_PER_MINUTE = 10
TOKEN_ATTEMPTS_PER_ADDRESS_PER_MINUTE = 60


class TokenIn(Schema):
    username: str = PydanticField(min_length=1, max_length=150)
    password: str = PydanticField(min_length=1, max_length=200)


class TokenOut(Schema):
    access_token: str
    token_type: str
    expires_in: int


class AgencyRef(Schema):
    code: str
    name: str


class MeOut(Schema):
    username: str
    full_name: str
    kind: str
    agency: AgencyRef | None
    unit: str | None
    roles: list[str]


@router.post("/auth/token", response=TokenOut, summary="Exchange a username and password for a token")
def token(request: HttpRequest, body: TokenIn) -> dict[str, Any]:
    client = ratelimit.client_address(request)
    if not ratelimit.hit(
        "token", client, limit=TOKEN_ATTEMPTS_PER_ADDRESS_PER_MINUTE, window_seconds=60
    ) or not ratelimit.hit("token-user", body.username.lower(), limit=TOKEN_ATTEMPTS_PER_MINUTE, window_seconds=60):
        raise HttpError(429, "Too many attempts; try again in a minute.")
    # the same lockout as the sign-in pages: a locked name gets no token, even with the right password
    if lockout.locked_until(body.username) is not None:
        raise HttpError(429, "This account is locked after repeated failed sign-ins; try again later.")
    user = authenticate(request, username=body.username, password=body.password)
    if user is None or not user.is_active:
        lockout.record_failure(body.username)
        raise HttpError(401, "Invalid username or password.")
    if access.second_factor_required(user):
        # a password alone must not open what the web pages guard with a one-time code
        raise HttpError(403, "This account signs in with a second factor; use the web sign-in.")
    lockout.record_success(body.username)
    return {"access_token": issue_token(user), "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_SECONDS}


@router.get("/me", response=MeOut, auth=bearer, summary="The signed-in user")
def me(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    staff = access.staff_of(user)
    return {
        "username": user.get_username(),
        "full_name": person_name(user),
        "kind": "staff" if staff is not None else "citizen",
        "agency": {"code": staff.agency.code, "name": staff.agency.name} if staff else None,
        "unit": staff.unit.name if staff and staff.unit else None,
        "roles": sorted(staff.role_set) if staff else [],
    }
