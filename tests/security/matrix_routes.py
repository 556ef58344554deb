"""The classification of every route of the project: who may call it, found by walking the URL resolver.

`ROUTES` classifies each Django URL pattern by its qualified name (`namespace:name`); `API` classifies each
Django Ninja operation of /api/v1/ by method and path. `django_routes()` and `api_operations()` enumerate what
the project really serves, so a route added without a line here makes `test_permission_matrix` fail.

The Django admin (`admin:` namespace, one pattern per registered model and view) is classified as a whole:
every admin page is behind the admin site's own permission check, which the suite probes on each pattern.
Kinds probed elsewhere: SIGNED_CALLBACK (forged checksums, tests/payments/test_permissions.py) and
CLIENT_CREDENTIALS (tests/clients/test_tokens_and_calls.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


class Access(StrEnum):
    PUBLIC = "public"  # anyone, no sign-in (catalogue, lookup with second factor, verification, statistics)
    SIGN_IN_FLOW = "sign_in_flow"  # sign-in, registration, password reset, e-identity: open to anyone
    SIGNED_IN = "signed_in"  # any signed-in account, on its own account only
    CITIZEN_OWN = "citizen_own"  # signed-in applicant, on their own dossiers, drafts, payments, results
    STAFF = "staff"  # back office: active staff, by role and agency scope (motcua.org.access)
    ADMIN = "admin"  # Django admin: superusers and administrators with model permissions
    SIGNED_CALLBACK = "signed_callback"  # payment gateways, server to server: authenticated by a checksum
    CLIENT_CREDENTIALS = "client_credentials"  # OAuth token endpoint: client id and secret in the body
    SIGNED_LINK = "signed_link"  # capability URL: a signed, expiring token names the file; 404 for any other
    SIMULATOR = "simulator"  # local stand-ins for external systems: 404 unless enabled (default: DEBUG)


class ApiAccess(StrEnum):
    PUBLIC = "public"  # no authentication
    USER = "user"  # a signed-in user's bearer token; API clients refused (403)
    CLIENT_SCOPE = "client_scope"  # a user's token, or an API client's token holding the scope
    PORTAL_TOKEN = "portal_token"  # the national portal's shared token (inbound connector)


# ---- Django routes ----------------------------------------------------------------------------------------

ROUTES: dict[str, Access] = {
    # API documents served by Django Ninja outside the operations
    "api:openapi-json": Access.PUBLIC,
    "api:openapi-view": Access.PUBLIC,
    "api:api-root": Access.PUBLIC,
    "oauth-token": Access.CLIENT_CREDENTIALS,
    "set_language": Access.PUBLIC,
    # back office: sign-in flow
    "backoffice:login": Access.SIGN_IN_FLOW,
    "backoffice:logout": Access.SIGN_IN_FLOW,
    "backoffice:verify": Access.SIGN_IN_FLOW,
    "backoffice:security": Access.SIGN_IN_FLOW,
    # back office: staff pages (roles and agencies in test_permission_matrix)
    "backoffice:inbox": Access.STAFF,
    "backoffice:reception": Access.STAFF,
    "backoffice:reception_form": Access.STAFF,
    "backoffice:dossiers": Access.STAFF,
    "backoffice:dossier": Access.STAFF,
    "backoffice:action": Access.STAFF,
    "backoffice:document": Access.STAFF,
    "backoffice:form_pdf": Access.STAFF,
    "backoffice:results": Access.STAFF,
    "backoffice:result_attach": Access.STAFF,
    "backoffice:result_generate": Access.STAFF,
    "backoffice:result_download": Access.STAFF,
    "backoffice:result_sign": Access.STAFF,
    "backoffice:unit_queue": Access.STAFF,
    "backoffice:approvals": Access.STAFF,
    "backoffice:returns": Access.STAFF,
    "backoffice:tracking": Access.STAFF,
    "backoffice:alerts": Access.STAFF,
    "backoffice:payments": Access.STAFF,
    "backoffice:payment_cash": Access.STAFF,
    "backoffice:payment_confirm": Access.STAFF,
    "backoffice:payment_receipt": Access.STAFF,
    "backoffice:payment_statement": Access.STAFF,
    "backoffice:reports": Access.STAFF,
    "backoffice:reports_drill": Access.STAFF,
    "backoffice:reports_form06_xlsx": Access.STAFF,
    "backoffice:reports_form06_pdf": Access.STAFF,
    # citizen accounts
    "accounts:login": Access.SIGN_IN_FLOW,
    "accounts:register": Access.SIGN_IN_FLOW,
    "accounts:verify": Access.SIGN_IN_FLOW,
    "accounts:resend": Access.SIGN_IN_FLOW,
    "accounts:password_forgot": Access.SIGN_IN_FLOW,
    "accounts:password_reset": Access.SIGN_IN_FLOW,
    "accounts:logout": Access.SIGN_IN_FLOW,
    "accounts:oidc_authenticate": Access.SIGN_IN_FLOW,
    "accounts:oidc_callback": Access.SIGN_IN_FLOW,
    "accounts:home": Access.SIGNED_IN,
    "accounts:profile": Access.SIGNED_IN,
    # citizen portal: public
    "portal:home": Access.PUBLIC,
    "portal:procedures": Access.PUBLIC,
    "portal:procedure": Access.PUBLIC,
    "portal:template": Access.PUBLIC,
    "portal:lookup": Access.PUBLIC,
    "portal:kiosk": Access.PUBLIC,
    "portal:verify": Access.PUBLIC,
    "portal:verify_vi": Access.PUBLIC,
    "portal:stats": Access.PUBLIC,
    "portal:stats_csv": Access.PUBLIC,
    "portal:stats_json": Access.PUBLIC,
    # citizen portal: the applicant's own data
    "portal:submission_start": Access.CITIZEN_OWN,
    "portal:my_dossiers": Access.CITIZEN_OWN,
    "portal:draft": Access.CITIZEN_OWN,
    "portal:draft_review": Access.CITIZEN_OWN,
    "portal:data_store": Access.CITIZEN_OWN,
    "portal:my_dossier": Access.CITIZEN_OWN,
    "portal:my_supplement": Access.CITIZEN_OWN,
    "portal:my_withdraw": Access.CITIZEN_OWN,
    "portal:my_rate": Access.CITIZEN_OWN,
    "portal:my_form": Access.CITIZEN_OWN,
    "portal:my_document": Access.CITIZEN_OWN,
    "portal:my_result": Access.CITIZEN_OWN,
    "portal:payment": Access.CITIZEN_OWN,
    "portal:payment_start": Access.CITIZEN_OWN,
    "portal:payment_qr": Access.CITIZEN_OWN,
    "portal:payment_receipt": Access.CITIZEN_OWN,
    # payment gateways
    "portal:vnpay_return": Access.SIGNED_CALLBACK,
    "portal:vnpay_ipn": Access.SIGNED_CALLBACK,
    "portal:paygov_callback": Access.SIGNED_CALLBACK,
    # files of synced dossiers for the national portal, through signed expiring links
    "document_links:file": Access.SIGNED_LINK,
    # simulators: never reachable in production
    "portal:vnpay_simulator": Access.SIMULATOR,
    "national_portal_simulator:call": Access.SIMULATOR,
}

# the HTTP methods each route answers (the views' require_GET / require_POST / require_http_methods)
METHODS: dict[str, tuple[str, ...]] = {
    "backoffice:action": ("POST",),
    "backoffice:result_attach": ("POST",),
    "backoffice:result_generate": ("POST",),
    "backoffice:result_sign": ("POST",),
    "backoffice:payment_cash": ("POST",),
    "backoffice:payment_confirm": ("POST",),
    "backoffice:reception_form": ("GET", "POST"),
    "backoffice:unit_queue": ("GET", "POST"),
    "backoffice:approvals": ("GET", "POST"),
    "backoffice:alerts": ("GET", "POST"),
    "backoffice:payment_statement": ("GET", "POST"),
    "portal:submission_start": ("GET", "POST"),
    "portal:draft": ("GET", "POST"),
    "portal:draft_review": ("GET", "POST"),
    "portal:my_supplement": ("POST",),
    "portal:my_withdraw": ("POST",),
    "portal:my_rate": ("POST",),
    "portal:payment_start": ("POST",),
    "portal:vnpay_simulator": ("GET", "POST"),
    "national_portal_simulator:call": ("POST",),
}

ADMIN_NAMESPACE = "admin"


# ---- API operations ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiRule:
    access: ApiAccess
    scope: str | None = None  # the client scope of CLIENT_SCOPE operations
    dossier: bool = False  # the path names a dossier ({code}): object-level checks apply


API: dict[str, ApiRule] = {
    "GET /health": ApiRule(ApiAccess.PUBLIC),
    "GET /agencies": ApiRule(ApiAccess.PUBLIC),
    "GET /procedures": ApiRule(ApiAccess.PUBLIC),
    "GET /procedures/{code}": ApiRule(ApiAccess.PUBLIC),
    "GET /calendar/due-date": ApiRule(ApiAccess.PUBLIC),
    "GET /calendar/non-working-days": ApiRule(ApiAccess.PUBLIC),
    "POST /auth/token": ApiRule(ApiAccess.PUBLIC),
    "GET /lookup": ApiRule(ApiAccess.PUBLIC),
    "GET /me": ApiRule(ApiAccess.USER),
    "POST /uploads": ApiRule(ApiAccess.CLIENT_SCOPE, "dossiers:submit"),
    "POST /dossiers": ApiRule(ApiAccess.CLIENT_SCOPE, "dossiers:submit"),
    "GET /dossiers": ApiRule(ApiAccess.CLIENT_SCOPE, "dossiers:read"),
    "GET /dossiers/{code}": ApiRule(ApiAccess.CLIENT_SCOPE, "dossiers:read", dossier=True),
    "GET /dossiers/{code}/history": ApiRule(ApiAccess.USER, dossier=True),
    "POST /dossiers/{code}/actions/{action}": ApiRule(ApiAccess.USER, dossier=True),
    "GET /dossiers/{code}/forms/{form}": ApiRule(ApiAccess.USER, dossier=True),
    "GET /stats/summary": ApiRule(ApiAccess.CLIENT_SCOPE, "stats:read"),
    "GET /stats/index": ApiRule(ApiAccess.CLIENT_SCOPE, "stats:read"),
    "GET /stats/drill-down": ApiRule(ApiAccess.CLIENT_SCOPE, "stats:read"),
    "GET /stats/targets": ApiRule(ApiAccess.CLIENT_SCOPE, "stats:read"),
    "GET /stats/form06": ApiRule(ApiAccess.CLIENT_SCOPE, "stats:read"),
    "POST /inbound/national-portal/dossiers": ApiRule(ApiAccess.PORTAL_TOKEN),
}

API_PREFIX = "/api/v1"


# ---- enumeration ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # namespace:name
    pattern: str  # the full pattern, e.g. "can-bo/ho-so/<str:code>/"
    callback: Any


def _walk(resolver: URLResolver, prefix: str, namespace: str | None) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = entry.name or ""
            qualified = f"{namespace}:{name}" if namespace else name  # unnamed: "namespace:"
            yield Route(qualified, prefix + str(entry.pattern), entry.callback)


def django_routes() -> list[Route]:
    """Every URL pattern the project serves (the API's operations included, under the `api` namespace)."""
    return list(_walk(get_resolver(), "", None))


def is_api_operation(route: Route) -> bool:
    """A pattern of a Django Ninja operation (classified in `API`), not one of Ninja's own documents."""
    return route.name.startswith("api:") and route.name not in ROUTES


@dataclass(frozen=True)
class Operation:
    key: str  # "GET /dossiers/{code}"
    auth: list[Any]  # the operation's authentication callbacks


def api_operations() -> list[Operation]:
    """Every operation of the NinjaAPI instance that serves /api/v1/."""
    from motcua.api.urls import api

    found: list[Operation] = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    found.append(Operation(f"{method} {path}", list(operation.auth_callbacks)))
    return found


_CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")


def fill(pattern: str, values: dict[str, str] | None = None) -> str:
    """The URL of `pattern` with each parameter replaced by `values[name]` or a harmless sample."""
    given = values or {}

    def sample(match: re.Match[str]) -> str:
        name, kind = match.group("name"), match.group("kind") or "str"
        if name in given:
            return given[name]
        return {"int": "1", "path": "x/y"}.get(kind, "000.00.02.H21-260302-0001")

    # the admin uses regular expressions; their groups get a sample too
    url = _CONVERTER.sub(sample, pattern)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: given.get(m.group(1), "1"), url)
    url = url.replace("^", "").replace("$", "").replace("\\", "")
    return "/" + url
