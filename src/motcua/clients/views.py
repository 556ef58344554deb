"""`POST /api/v1/oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for API clients.

A plain Django view (form or JSON body, HTTP Basic client authentication too) that answers like the API:
JSON, and problem+json with the OAuth `error` code on refusal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any
from urllib.parse import unquote_plus

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from motcua.clients import tokens
from motcua.clients.models import ApiClient
from motcua.core import ratelimit

PROBLEM_CONTENT_TYPE = "application/problem+json"
ATTEMPTS_PER_ADDRESS_PER_MINUTE = 30
ATTEMPTS_PER_CLIENT_PER_MINUTE = 10
TITLES = {400: "Bad request", 401: "Unauthorized", 429: "Too many requests"}


def _problem(status: int, error: str, detail: str) -> JsonResponse:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status, "detail": detail}
    body["error"] = error
    response = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="motcua"'
    if status == 429:
        response["Retry-After"] = "60"
    return response


def _parameters(request: HttpRequest) -> dict[str, str] | None:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}
    return {key: str(request.POST.get(key, "")) for key in request.POST}


def _basic(request: HttpRequest) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _colon, secret = decoded.partition(":")
    return unquote_plus(client_id), unquote_plus(secret)


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> JsonResponse:
    params = _parameters(request)
    if params is None:
        return _problem(400, "invalid_request", "The body is not a JSON object.")
    if params.get("grant_type") != "client_credentials":
        return _problem(400, "unsupported_grant_type", "Only grant_type=client_credentials is supported.")
    client_id, secret = params.get("client_id", ""), params.get("client_secret", "")
    basic = _basic(request)
    if basic is not None:
        client_id, secret = basic
    if not ratelimit.hit(
        "oauth-token", ratelimit.client_address(request), limit=ATTEMPTS_PER_ADDRESS_PER_MINUTE, window_seconds=60
    ) or not ratelimit.hit(
        "oauth-token-client",
        hashlib.sha256(client_id.encode()).hexdigest()[:32],
        limit=ATTEMPTS_PER_CLIENT_PER_MINUTE,
        window_seconds=60,
    ):
        return _problem(429, "slow_down", "Too many token requests; try again in a minute.")
    if not client_id or not secret:
        return _problem(401, "invalid_client", "client_id and client_secret are required.")
    known: Any = ApiClient.objects.filter(client_id=client_id).first()
    if known is not None:
        request.api_client = known  # type: ignore[attr-defined]  # audited by the middleware
    try:
        grant = tokens.token_issue(client_id=client_id, client_secret=secret, scope=params.get("scope", ""))
    except tokens.TokenError as exc:
        return _problem(exc.status, exc.code, exc.detail)
    response = JsonResponse(
        {
            "access_token": grant.access_token,
            "token_type": "Bearer",
            "expires_in": grant.expires_in,
            "scope": grant.scope,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


def _problem_schema(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            PROBLEM_CONTENT_TYPE: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "error": {"type": "string"},
                    },
                }
            }
        },
    }


_TOKEN_REQUEST = {
    "type": "object",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "client_id": {"type": "string"},
        "client_secret": {"type": "string"},
        "scope": {"type": "string", "description": "space-separated scopes, a subset of the client's"},
    },
}

#: the token endpoint as the committed OpenAPI schema describes it (a plain Django view: form, JSON or Basic)
OPENAPI_PATH: dict[str, Any] = {
    "post": {
        "operationId": "clients_token",
        "summary": "Client-credentials token of a registered API client (OAuth 2.0, RFC 6749 §4.4)",
        "tags": ["API clients"],
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": _TOKEN_REQUEST},
                "application/json": {"schema": _TOKEN_REQUEST},
            },
        },
        "responses": {
            "200": {
                "description": "a bearer token",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["access_token", "token_type", "expires_in", "scope"],
                            "properties": {
                                "access_token": {"type": "string"},
                                "token_type": {"type": "string", "enum": ["Bearer"]},
                                "expires_in": {"type": "integer"},
                                "scope": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "400": _problem_schema("invalid_request, unsupported_grant_type or invalid_scope"),
            "401": _problem_schema("invalid_client"),
            "429": _problem_schema("slow_down: too many token requests"),
        },
    }
}
