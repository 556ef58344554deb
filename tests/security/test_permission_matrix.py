"""The permission matrix of every route: who may call each page and endpoint, and that a denial changes nothing.

1. Completeness: every URL pattern of the project (walked from the resolver) and every API operation (read
   from the NinjaAPI instance) has a line in `matrix_routes`; a new route without one fails here. The
   classification is then probed on every route: staff pages turn away anonymous visitors and citizens,
   citizen pages need a sign-in, admin pages are closed to non-administrators, simulators answer 404 when
   off, API operations check the token the classification says.
2. Object matrix: every page and endpoint about a dossier, tried by every actor of `matrix_world` (each
   staff role of the dossier's agencies and of another agency, the owner, another citizen, anonymous, API
   clients with and without scope). Allowed actors get 2xx/3xx; the others 403/404 (302 to the sign-in page
   for anonymous pages, 401 for anonymous API calls) and, for every POST, an unchanged database.
3. IDOR: guessed dossier codes (the next sequence number of a real code), ids of other people's documents,
   results, payments, drafts, uploads and alerts in paths and JSON bodies; the public lookup's second factor
   and masking.

Each request runs in a savepoint that is rolled back, so that all actors meet the same state.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from motcua.api.auth import BearerAuth
from motcua.dossiers import official_forms, services
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import mask_name
from motcua.org.models import Role
from motcua.payments import services as payment_services
from motcua.payments.models import CollectingAccount
from motcua.results import services as result_services
from tests.dossiers.conftest import World, at, submit_online, upload_pdf, world
from tests.dossiers.test_permissions import CASES, Case, awaiting_supplement, processed, submitted
from tests.dossiers.test_permissions import at_leader as state_at_leader
from tests.dossiers.test_permissions import at_specialist as state_at_specialist
from tests.factories import SMALL_PDF, make_staff, make_version
from tests.results.conftest import keys
from tests.security.matrix_routes import (
    ADMIN_NAMESPACE,
    API,
    API_PREFIX,
    METHODS,
    ROUTES,
    Access,
    ApiAccess,
    django_routes,
    fill,
    is_api_operation,
)
from tests.security.matrix_world import (
    API_CALLERS,
    CLIENTS,
    OWN,
    PEOPLE,
    STAFF,
    Attempt,
    Cast,
    attempt,
    build_cast,
    snapshot,
)

__all__ = ["keys", "world"]  # fixtures used below

pytestmark = pytest.mark.django_db

ACT_AT = "2026-03-05 09:00"  # after every state below, before the dossier is due (Monday 9 March 09:00)
BACKOFFICE_LOGIN = "/can-bo/dang-nhap/"


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(at(ACT_AT), tick=False):
        yield


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Rate-limit counters (lookups, API clients) live in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


_PDF: list[bytes] = []


@pytest.fixture(autouse=True)
def _one_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every PDF (forms, receipts, results) is the same small real PDF, rendered once: permissions are checked
    before any rendering, and the layout of the documents is tested elsewhere; the HTML is still built."""
    if not _PDF:
        _PDF.append(official_forms.html_to_pdf("<p>Quyết định</p>"))
    monkeypatch.setattr(official_forms, "html_to_pdf", lambda html: _PDF[0])


@pytest.fixture
def cast(world: World, settings: Any) -> Cast:
    settings.MOTCUA_ADMIN_2FA_REQUIRED = False  # administrators reach the pages without a TOTP device here
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"  # sign-ins without a table
    return build_cast(world)


# ==== 1. completeness and classification ===================================================================


def test_every_route_of_the_project_is_classified() -> None:
    routes = django_routes()
    names = {r.name for r in routes}
    unclassified = sorted(
        f"{r.pattern} ({r.name or 'unnamed'})"
        for r in routes
        if not is_api_operation(r) and not r.name.startswith(f"{ADMIN_NAMESPACE}:") and r.name not in ROUTES
    )
    assert unclassified == [], "routes without a line in tests/security/matrix_routes.py"
    assert sorted(set(ROUTES) - names) == [], "classified routes that no longer exist"
    assert set(METHODS) <= set(ROUTES)
    # the address spaces agree with the classification
    for route in routes:
        if route.pattern.startswith("can-bo/"):
            assert ROUTES[route.name] in {Access.STAFF, Access.SIGN_IN_FLOW}, route
        if route.pattern.startswith("mo-phong/") or (route.name in ROUTES and ROUTES[route.name] == Access.SIMULATOR):
            assert route.pattern.startswith("mo-phong/") and ROUTES[route.name] == Access.SIMULATOR, route
        if route.pattern.startswith("quan-tri/"):
            assert route.name.startswith(f"{ADMIN_NAMESPACE}:"), route


def _operations() -> dict[str, list[Any]]:
    from tests.security.matrix_routes import api_operations

    return {op.key: op.auth for op in api_operations()}


def test_every_api_operation_is_classified_and_authenticated_as_classified() -> None:
    operations = _operations()
    assert sorted(set(operations) - set(API)) == [], "API operations without a line in matrix_routes.API"
    assert sorted(set(API) - set(operations)) == [], "classified API operations that no longer exist"
    for key, auth in operations.items():
        rule = API[key]
        if rule.access == ApiAccess.PUBLIC:
            assert auth == [], key
        elif rule.access == ApiAccess.PORTAL_TOKEN:
            assert [type(a).__name__ for a in auth] == ["PortalToken"], key
        else:
            assert len(auth) == 1 and isinstance(auth[0], BearerAuth), key
            expected_scope = rule.scope if rule.access == ApiAccess.CLIENT_SCOPE else None
            assert auth[0].client_scope == expected_scope, key
    # the Django patterns of the API are exactly these operations' paths
    api_patterns = {r.pattern for r in django_routes() if is_api_operation(r)}
    paths = {re.sub(r"\{(\w+)\}", r"<\1>", key.split(" ", 1)[1]) for key in API}
    assert api_patterns == {f"{API_PREFIX.strip('/')}{p}" for p in paths}


def _follow(client: Client, method: str, url: str) -> Any:
    """`method` on `url`, following redirects (the response has the `redirect_chain`)."""
    send = client.post if method == "POST" else client.get
    return send(url, follow=True)


def _routes_of(*kinds: Access) -> list[Any]:
    return [pytest.param(r, id=r.name) for r in django_routes() if ROUTES.get(r.name) in kinds]


@pytest.mark.parametrize("route", _routes_of(Access.STAFF))
def test_staff_routes_send_anonymous_visitors_to_sign_in_and_refuse_citizens(route: Any) -> None:
    from tests.factories import UserFactory

    citizen = Client()
    citizen.force_login(UserFactory(username="congdan.tham"))
    url = fill(route.pattern)
    before = snapshot()
    for method in METHODS.get(route.name, ("GET",)):
        anonymous = Client().generic(method, url)
        assert anonymous.status_code == 302, (method, url)
        assert anonymous["Location"].startswith(BACKOFFICE_LOGIN + "?next="), (method, url)
        assert citizen.generic(method, url).status_code == 403, (method, url)
    assert snapshot() == before


@pytest.mark.parametrize("route", _routes_of(Access.CITIZEN_OWN, Access.SIGNED_IN))
def test_citizen_routes_need_a_sign_in(route: Any) -> None:
    url = fill(route.pattern, {"pk": "1", "document_id": "1", "result_id": "1"})
    before = snapshot()
    for method in METHODS.get(route.name, ("GET",)):
        response = _follow(Client(), method, url)
        if response.redirect_chain:  # (the account's home page redirects to its profile page first)
            assert response.redirect_chain[-1][0].startswith(django_settings.LOGIN_URL), (method, url)
        else:  # a signed result's download answers 404 to anyone but its owner, signed in or not
            assert (route.name, response.status_code) == ("portal:my_result", 404), (method, url)
    assert snapshot() == before


def test_admin_pages_are_closed_to_everyone_but_administrators(world: World) -> None:
    from tests.factories import UserFactory

    admin_routes = [r for r in django_routes() if r.name.startswith(f"{ADMIN_NAMESPACE}:")]
    assert len(admin_routes) > 20
    visitors = {"anonymous": Client(), "citizen": Client(), "officer": Client()}
    visitors["citizen"].force_login(world.citizen)
    visitors["officer"].force_login(world.officer.user)
    samples = {"app_label": "auth", "url": "khong-co/", "object_id": "1", "id": "1", "content_type_id": "1"}
    before = snapshot()
    entrances = ("/quan-tri/login/", "/quan-tri/?", "/quan-tri/")  # each leads to the back-office sign-in
    for route in admin_routes:
        url = fill(route.pattern, samples)
        for who, client in visitors.items():
            response = client.get(url)
            if response.status_code == 302:
                target = response["Location"]
                assert target.startswith((BACKOFFICE_LOGIN, *entrances)), (who, url, target)
            else:
                assert response.status_code in {403, 404, 405}, (who, url, response.status_code)
        posted = visitors["anonymous"].post(url, {})
        assert posted.status_code in {302, 403, 404, 405}, (url, posted.status_code)
    for who, client in visitors.items():
        for entrance in ("/quan-tri/login/", "/quan-tri/"):
            chain = _follow(client, "GET", entrance).redirect_chain
            assert chain and chain[-1][0].startswith(BACKOFFICE_LOGIN), (who, entrance)
    assert snapshot() == before
    superuser = UserFactory(username="sieuquantri", is_superuser=True, is_staff=True)
    boss = Client()
    boss.force_login(superuser)
    assert boss.get("/quan-tri/").status_code == 200  # the probe above can tell an open page


def test_public_routes_answer_anonymous_visitors(world: World) -> None:
    """Public pages open without a sign-in (never a redirect to a sign-in page, never 401/403)."""
    samples = {"code": world.version.procedure.code, "component_id": "1"}
    public = [r for r in django_routes() if ROUTES.get(r.name) == Access.PUBLIC]
    assert len(public) >= 10
    for route in public:
        if route.name in {"portal:verify", "portal:verify_vi", "portal:template"}:
            continue  # need a signed result or a template file: tests/results, tests/portal
        response = Client().get(fill(route.pattern, samples))
        if route.name == "set_language":  # a POST form; a GET goes back to where the visitor came from
            assert response.status_code in {200, 302, 405}
        elif route.name == "api:api-root":  # Ninja's root of /api/v1/: no operation there
            assert response.status_code == 404
        else:
            assert response.status_code == 200, (route.name, response.status_code)


@pytest.mark.parametrize("route", _routes_of(Access.SIMULATOR))
def test_simulators_answer_not_found_when_off(route: Any, settings: Any) -> None:
    settings.MOTCUA_PAYMENT_SIMULATOR = False
    settings.MOTCUA_NATIONAL_PORTAL_SIMULATOR = False
    url = fill(route.pattern, {"endpoint": "dossiers/new"})
    before = snapshot()
    for method in METHODS[route.name]:
        response = Client().generic(method, url, "{}", content_type="application/json")
        assert response.status_code == 404, (method, url)
    assert snapshot() == before


def test_simulators_are_off_by_default_when_debug_is_off() -> None:
    from tests.test_settings import load_settings

    names = ("MOTCUA_PAYMENT_SIMULATOR", "MOTCUA_NATIONAL_PORTAL_SIMULATOR", "MOTCUA_PAYMENT_PROVIDERS")
    production = load_settings(
        *names, DEBUG="false", SECRET_KEY="production-like-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"
    )
    development = load_settings(*names, DEBUG="true")
    assert (production["MOTCUA_PAYMENT_SIMULATOR"], production["MOTCUA_NATIONAL_PORTAL_SIMULATOR"]) == (False, False)
    assert "vnpay" not in production["MOTCUA_PAYMENT_PROVIDERS"]  # VNPAY without its simulator needs real keys
    # the check can fail: in development both simulators are on
    assert (development["MOTCUA_PAYMENT_SIMULATOR"], development["MOTCUA_NATIONAL_PORTAL_SIMULATOR"]) == (True, True)


API_SAMPLES = {"code": "000.00.02.H21-260302-0001", "action": "receive", "form": "01"}


def _api_url(key: str) -> tuple[str, str]:
    method, path = key.split(" ", 1)
    return method, API_PREFIX + re.sub(r"\{(\w+)\}", lambda m: API_SAMPLES[m.group(1)], path)


@pytest.mark.parametrize("key", [k for k, rule in API.items() if rule.access != ApiAccess.PUBLIC])
def test_api_operations_check_the_token_as_classified(cast: Cast, key: str) -> None:
    rule = API[key]
    method, url = _api_url(key)
    before = snapshot()

    def call(who: str) -> int:
        headers = cast.api_headers(who) if rule.access != ApiAccess.PORTAL_TOKEN or who == "anonymous" else {}
        return Client().generic(method, url, "{}", content_type="application/json", **headers).status_code

    assert call("anonymous") == 401
    if rule.access == ApiAccess.PORTAL_TOKEN:
        # a user's or a client's token is no portal token
        for who in ("province_admin", "client"):
            headers = cast.api_headers(who)
            status = Client().generic(method, url, "{}", content_type="application/json", **headers).status_code
            assert status == 401, who
    elif rule.access == ApiAccess.USER:
        assert call("client") == 403  # closed to API clients, whatever their scopes
        assert call("client_without_scope") == 403
        assert call("officer") not in {401, 403}
    else:
        assert call("client_without_scope") == 403
        assert call("client") not in {401, 403}
        assert call("officer") not in {401, 403}
    assert snapshot() == before


# ==== 2. object matrix =====================================================================================


@dataclass
class Scene:
    """A citizen's dossier at the specialist's step with documents, a drafted result and an open payment;
    another of their dossiers paid in cash (for receipts); and a colleague to assign work to."""

    dossier: Dossier
    document_id: int
    result_id: int
    open_reference: str
    paid: Dossier
    paid_reference: str
    colleague_id: int


def _account(world: World) -> CollectingAccount:
    return CollectingAccount.objects.create(
        agency=world.centre,
        bank_bin="970415",
        bank_name="Ngân hàng TMCP Công Thương Việt Nam",
        account_number="113000012345",
        account_holder="Trung tâm Phục vụ hành chính công tỉnh",
        is_organisation=True,
    )


@pytest.fixture
def scene(cast: Cast, settings: Any) -> Scene:
    settings.MOTCUA_PAYMENT_PROVIDERS = ["vietqr", "cash"]
    world = cast.world
    _account(world)
    dossier = submit_online(world, "2026-03-02 08:30")
    open_payment = payment_services.payment_start(
        dossier=dossier, actor=world.citizen, provider="vietqr", at=at("2026-03-02 08:40")
    )
    services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
    dossier.refresh_from_db()
    result = result_services.result_generate(dossier=dossier, actor=world.specialist.user, title="Quyết định")
    paid = submit_online(world, "2026-03-02 08:50")
    paid_payment = payment_services.payment_record_cash(dossier=paid, actor=world.officer.user)
    colleague = make_staff(Role.SPECIALIST, agency=world.department, username="chuyenvien2")
    colleague.unit = world.division
    colleague.save()
    return Scene(
        dossier=Dossier.objects.get(pk=dossier.pk),
        document_id=dossier.documents.exclude(file="").first().pk,  # type: ignore[union-attr]
        result_id=result.pk,
        open_reference=open_payment.reference,
        paid=paid,
        paid_reference=paid_payment.reference,
        colleague_id=colleague.pk,
    )


@dataclass(frozen=True)
class GetRow:
    route: str  # namespace:name
    args: Callable[[Scene], list[Any]]
    allowed: frozenset[str]


OWNER = frozenset({"citizen"})
VIEWERS = frozenset(OWN)  # every role of the agencies holding the dossier may look at it

GETS = [
    GetRow("backoffice:dossier", lambda s: [s.dossier.code], VIEWERS),
    GetRow("backoffice:document", lambda s: [s.dossier.code, s.document_id], VIEWERS),
    GetRow("backoffice:form_pdf", lambda s: [s.dossier.code, "01"], VIEWERS),
    GetRow("backoffice:results", lambda s: [s.dossier.code], VIEWERS),
    GetRow("backoffice:result_download", lambda s: [s.dossier.code, s.result_id], VIEWERS),
    GetRow("backoffice:payments", lambda s: [s.dossier.code], VIEWERS),
    GetRow("backoffice:payment_receipt", lambda s: [s.paid.code, s.paid_reference], VIEWERS),
    GetRow("portal:my_dossier", lambda s: [s.dossier.code], OWNER),
    GetRow("portal:my_form", lambda s: [s.dossier.code, "01"], OWNER),
    GetRow("portal:my_document", lambda s: [s.dossier.code, s.document_id], OWNER),
    GetRow("portal:payment", lambda s: [s.dossier.code], OWNER),
    GetRow("portal:payment_qr", lambda s: [s.dossier.code, s.open_reference], OWNER),
    GetRow("portal:payment_receipt", lambda s: [s.paid.code, s.paid_reference], OWNER),
]


def _denied_page(route: str, who: str, response: HttpResponse) -> bool:
    """Whether `response` is the refusal `who` must get from a page of `route`."""
    status = response.status_code
    if who == "anonymous":
        login = BACKOFFICE_LOGIN if route.startswith("backoffice:") else django_settings.LOGIN_URL
        return status == 302 and response["Location"].startswith(login)
    return status in {403, 404}


def _show(results: dict[str, Attempt]) -> dict[str, tuple[int, bool]]:
    return {who: (a.response.status_code, a.changed) for who, a in results.items()}


def test_dossier_pages(cast: Cast, scene: Scene) -> None:
    """Every row of GETS, every actor: one table of the cells that differ from the expectation."""
    clients = {who: cast.http(who) for who in PEOPLE}
    wrong: dict[tuple[str, str], tuple[int, bool]] = {}
    for row in GETS:
        url = reverse(row.route, args=row.args(scene))
        for who in PEOPLE:
            result = attempt(lambda who=who, url=url: clients[who].get(url))
            status = result.response.status_code
            ok = status == 200 if who in row.allowed else _denied_page(row.route, who, result.response)
            if not ok or result.changed:
                wrong[(row.route, who)] = (status, result.changed)
    assert wrong == {}


@dataclass(frozen=True)
class ApiGetRow:
    path: Callable[[Scene], str]
    allowed: frozenset[str]


API_GETS = {
    "GET /dossiers/{code}": ApiGetRow(lambda s: f"/dossiers/{s.dossier.code}", VIEWERS | OWNER | {"client"}),
    "GET /dossiers/{code}/history": ApiGetRow(lambda s: f"/dossiers/{s.dossier.code}/history", VIEWERS | OWNER),
    "GET /dossiers/{code}/forms/{form}": ApiGetRow(lambda s: f"/dossiers/{s.dossier.code}/forms/01", VIEWERS | OWNER),
}


def _denied_api(who: str, response: HttpResponse) -> bool:
    status = response.status_code
    if who == "anonymous":
        return status == 401
    return status in {403, 404}


def test_every_dossier_operation_of_the_api_is_in_the_matrix() -> None:
    dossier_operations = {key for key, rule in API.items() if rule.dossier}
    assert dossier_operations == set(API_GETS) | {"POST /dossiers/{code}/actions/{action}"}


def test_dossier_api_reads(cast: Cast, scene: Scene) -> None:
    headers = {who: cast.api_headers(who) for who in API_CALLERS}
    wrong: dict[tuple[str, str], tuple[int, bool]] = {}
    for key, row in API_GETS.items():
        url = API_PREFIX + row.path(scene)
        results = {who: attempt(lambda who=who, url=url: Client().get(url, **headers[who])) for who in API_CALLERS}
        for who, result in results.items():
            status = result.response.status_code
            ok = status == 200 if who in row.allowed else _denied_api(who, result.response)
            if not ok or result.changed:
                wrong[(key, who)] = (status, result.changed)
        # a client without the scope is refused before anything is looked up; another agency's client sees nothing
        assert results["client_without_scope"].response.status_code == 403, key
        if key == "GET /dossiers/{code}":
            assert results["other_client"].response.status_code == 404
    assert wrong == {}


def test_dossier_lists_show_a_dossier_to_its_viewers_only(cast: Cast, scene: Scene) -> None:
    code = scene.dossier.code
    seen: dict[str, bool] = {}
    for who in API_CALLERS:
        response = Client().get(f"{API_PREFIX}/dossiers", {"page_size": 100}, **cast.api_headers(who))
        if response.status_code == 200:
            seen[who] = code in {item["code"] for item in response.json()["items"]}
        else:
            assert _denied_api(who, response), (who, response.status_code)
            seen[who] = False
    # the list is for staff and clients (citizens have their own page and 403 here)
    assert {who for who, found in seen.items() if found} == VIEWERS | {"client"}
    for who in STAFF:
        page = cast.http(who).get(reverse("backoffice:dossiers"))
        assert (code in page.content.decode()) is (who in VIEWERS), who
    for who in ("citizen", "other_citizen"):
        page = cast.http(who).get(reverse("portal:my_dossiers"))
        assert (code in page.content.decode()) is (who == "citizen"), who


# ---- actions ----------------------------------------------------------------------------------------------


def _form_data(action: str, scene_colleague: int) -> dict[str, Any]:
    """Valid back-office form data for `action` (prefixed with the action, as on the dossier page)."""
    fields: dict[str, Any] = {
        "reject": {"reason": "Không thuộc thẩm quyền"},
        "stop": {"reason": "Có tranh chấp"},
        "withdraw": {"reason": "Không cần nữa"},
        "request_supplement": {"reason": "Thiếu bản sao", "components": ["TP2"]},
        "supplement": {"component": "TP1", "copy_kind": "original"},
        "forward": {"comment": "Chuyển xử lý"},
        "send_back": {"comment": "Xem lại trích lục"},
        "assign": {"assignee": str(scene_colleague)},
        "request_payment": {"amount": "1500000", "reason": "Lệ phí trước bạ"},
        "approve": {"outcome": "granted", "comment": "Đồng ý"},
        "extend": {"new_due_at": "2026-03-12T09:00", "reason": "Cần xác minh thêm"},
    }.get(action, {})
    return {f"{action}-{name}": value for name, value in fields.items()}


def _api_body(action: str, upload_id: int | None) -> dict[str, Any]:
    return {
        "reject": {"reason": "Không thuộc thẩm quyền"},
        "stop": {"reason": "Có tranh chấp"},
        "withdraw": {"reason": "Không cần nữa"},
        "request_supplement": {"reason": "Thiếu bản sao", "components": ["TP2"]},
        "supplement": {"documents": [{"component": "TP1", "file": upload_id or 0}]},
        "forward": {"comment": "Chuyển xử lý"},
        "send_back": {"comment": "Xem lại trích lục"},
        "assign": {"assignee": "chuyenvien2"},
        "request_payment": {"amount": 1500000, "reason": "Lệ phí trước bạ"},
        "approve": {"outcome": "granted", "comment": "Đồng ý"},
        "extend": {"new_due_at": "2026-03-12T09:00:00+07:00", "reason": "Cần xác minh thêm"},
    }.get(action, {})


def _colleague(world: World) -> int:
    colleague = make_staff(Role.SPECIALIST, agency=world.department, username="chuyenvien2")
    colleague.unit = world.division
    colleague.save()
    return colleague.pk


def _refusal_ok(cast: Cast, dossier: Dossier, who: str, response: HttpResponse, *, api: bool) -> bool:
    """A denial: 401 (anonymous API) or 302 to sign-in (anonymous page), 403, 404; or 409 ("another officer
    holds this step") for a colleague working in the agency of the current step."""
    status = response.status_code
    if who == "anonymous":
        return status == 401 if api else status == 302 and response["Location"].startswith(BACKOFFICE_LOGIN)
    if status in {403, 404}:
        return True
    if status == 409 and who in cast.users and hasattr(cast.users[who], "staff"):
        step = Dossier.objects.get(pk=dossier.pk).current_step
        return step is not None and cast.staff(who).agency_id == step.agency_id
    return False


def _check(cast: Cast, dossier: Dossier, results: dict[str, Attempt], allowed: frozenset[str], *, api: bool) -> None:
    success = {200} if api else {302}
    wrong = {}
    for who, result in results.items():
        response = result.response
        if who in allowed:
            if response.status_code not in success or not result.changed:
                wrong[who] = (response.status_code, result.changed)
        elif result.changed or not _refusal_ok(cast, dossier, who, response, api=api):
            wrong[who] = (response.status_code, result.changed)
    assert wrong == {}, _show(results)


def _case_id(case: Case) -> str:
    return case.id


@pytest.mark.parametrize("case", [pytest.param(c, id=_case_id(c)) for c in CASES])
def test_actions_in_the_back_office_and_the_api(cast: Cast, case: Case) -> None:
    """Each action of the lifecycle (tests/dossiers/test_permissions.CASES), in the state where it is allowed,
    posted by every actor from the dossier page and through the API."""
    dossier = case.state(cast.world)
    colleague = _colleague(cast.world)

    page = reverse("backoffice:action", args=[dossier.code, case.action])
    data = _form_data(case.action, colleague)
    clients = {who: cast.http(who) for who in PEOPLE}
    results = {who: attempt(lambda who=who: clients[who].post(page, data)) for who in PEOPLE}
    # citizens act through the portal, never through the back office
    _check(cast, dossier, results, case.allowed - {"citizen"}, api=False)

    url = f"{API_PREFIX}/dossiers/{dossier.code}/actions/{case.action}"
    headers = {who: cast.api_headers(who) for who in API_CALLERS}
    # a supplement brings the caller's own upload, so that only the permission decides
    uploads = {who: upload_pdf(cast.users[who]) if who in cast.users else None for who in API_CALLERS}

    def post(who: str) -> HttpResponse:
        body = json.dumps(_api_body(case.action, uploads[who]))
        return Client().post(url, body, content_type="application/json", **headers[who])

    results = {who: attempt(lambda who=who: post(who)) for who in API_CALLERS}
    _check(cast, dossier, results, case.allowed, api=True)
    for who in CLIENTS:  # actions are closed to API clients
        assert results[who].response.status_code == 403, who


# ---- other state-changing requests -----------------------------------------------------------------------


@dataclass(frozen=True)
class PostRow:
    name: str
    state: Callable[[Cast], tuple[Dossier, str, dict[str, Any]]]  # the dossier, the URL, the form data
    allowed: frozenset[str]
    extra_denials: frozenset[int] = field(default_factory=frozenset)  # e.g. 400: the code is not a choice


def _rating() -> dict[str, Any]:
    return {**{f"score_{i}": "2" for i in range(1, 10)}, "overall": "very_satisfied", "comment": ""}


def _with_payment(c: Cast) -> tuple[Dossier, str]:
    _account(c.world)
    dossier = submitted(c.world)
    payment = payment_services.payment_start(dossier=dossier, actor=c.world.citizen, provider="vietqr")
    return dossier, payment.reference


def _returned(c: Cast) -> Dossier:
    dossier = processed(c.world)
    services.dossier_return_result(dossier=dossier, actor=c.world.officer.user, at=at("2026-03-04 16:00"))
    return Dossier.objects.get(pk=dossier.pk)


def _row_my_withdraw(c: Cast) -> tuple[Dossier, str, dict[str, Any]]:
    d = submitted(c.world)
    return d, reverse("portal:my_withdraw", args=[d.code]), {"reason": "Không cần nữa"}


def _row_my_supplement(c: Cast) -> tuple[Dossier, str, dict[str, Any]]:
    d = awaiting_supplement(c.world)
    return d, reverse("portal:my_supplement", args=[d.code]), {"file_TP1": "pdf"}


def _row_my_rate(c: Cast) -> tuple[Dossier, str, dict[str, Any]]:
    d = _returned(c)
    return d, reverse("portal:my_rate", args=[d.code]), _rating()


def _row_payment_start(c: Cast) -> tuple[Dossier, str, dict[str, Any]]:
    _account(c.world)
    d = submitted(c.world)
    return d, reverse("portal:payment_start", args=[d.code]), {"provider": "vietqr"}


def _row_payment_cash(c: Cast) -> tuple[Dossier, str, dict[str, Any]]:
    d = submitted(c.world)
    return d, reverse("backoffice:payment_cash", args=[d.code]), {"payer_name": "Nguyễn Văn An"}


def _row_payment_confirm(c: Cast) -> tuple[Dossier, str, dict[str, Any]]:
    d, reference = _with_payment(c)
    return d, reverse("backoffice:payment_confirm", args=[d.code, reference]), {}


def _row_result_attach(c: Cast) -> tuple[Dossier, str, dict[str, Any]]:
    d = state_at_specialist(c.world)
    return d, reverse("backoffice:result_attach", args=[d.code]), {"kind": "decision", "title": "QĐ", "file": _PDF[0]}


def _row_result_generate(c: Cast) -> tuple[Dossier, str, dict[str, Any]]:
    d = state_at_specialist(c.world)
    return d, reverse("backoffice:result_generate", args=[d.code]), {"title": "Quyết định"}


def _row_result_sign(c: Cast) -> tuple[Dossier, str, dict[str, Any]]:
    d = state_at_leader(c.world)
    draft = result_services.result_generate(dossier=d, actor=c.world.leader.user, title="Quyết định")
    return d, reverse("backoffice:result_sign", args=[d.code, draft.pk]), {}


def _row_unit_queue(c: Cast) -> tuple[Dossier, str, dict[str, Any]]:
    d = state_at_specialist(c.world)
    return d, reverse("backoffice:unit_queue"), {"code": d.code, "assignee": str(_colleague(c.world))}


def _row_approvals(c: Cast) -> tuple[Dossier, str, dict[str, Any]]:
    d = state_at_leader(c.world)
    return d, reverse("backoffice:approvals"), {"codes": [d.code], "comment": ""}


POSTS = [
    PostRow("portal:my_withdraw", _row_my_withdraw, OWNER),
    PostRow("portal:my_supplement", _row_my_supplement, OWNER),
    PostRow("portal:my_rate", _row_my_rate, OWNER),
    PostRow("portal:payment_start", _row_payment_start, OWNER),
    PostRow("backoffice:payment_cash", _row_payment_cash, frozenset({"officer"})),
    PostRow("backoffice:payment_confirm", _row_payment_confirm, frozenset({"officer"})),
    # results are drafted by those who process the dossier in the deciding agency, signed by its leader
    PostRow("backoffice:result_attach", _row_result_attach, frozenset({"specialist", "head", "leader"})),
    PostRow("backoffice:result_generate", _row_result_generate, frozenset({"specialist", "head", "leader"})),
    PostRow("backoffice:result_sign", _row_result_sign, frozenset({"leader"})),
    # queue pages: a dossier that is not in the caller's queue is not a valid choice (400 or an error message)
    PostRow("backoffice:unit_queue", _row_unit_queue, frozenset({"head", "leader"})),
    PostRow("backoffice:approvals", _row_approvals, frozenset({"leader"}), frozenset({400})),
]


def _files(data: dict[str, Any]) -> dict[str, Any]:
    """Fresh file objects for each request (a file is consumed by the request that sends it)."""
    return {
        key: SimpleUploadedFile("giay-to.pdf", SMALL_PDF if value == "pdf" else value, "application/pdf")
        if value == "pdf" or isinstance(value, bytes)
        else value
        for key, value in data.items()
    }


@pytest.mark.parametrize("row", [pytest.param(r, id=r.name) for r in POSTS])
def test_other_state_changing_requests(cast: Cast, request: pytest.FixtureRequest, row: PostRow) -> None:
    if row.name == "backoffice:result_sign":
        request.getfixturevalue("keys")  # the agencies' signing keys
    _dossier, url, data = row.state(cast)
    clients = {who: cast.http(who) for who in PEOPLE}
    results = {who: attempt(lambda who=who: clients[who].post(url, _files(data))) for who in PEOPLE}
    portal = row.name.startswith("portal:")
    wrong = {}
    for who, result in results.items():
        response = result.response
        if who in row.allowed:
            ok = response.status_code == 302 and result.changed
        elif result.changed:
            ok = False
        elif who == "anonymous":
            login = django_settings.LOGIN_URL if portal else BACKOFFICE_LOGIN
            ok = response.status_code == 302 and response["Location"].startswith(login)
        else:
            ok = response.status_code in {403, 404} | row.extra_denials
        if not ok:
            wrong[who] = (response.status_code, result.changed)
    assert wrong == {}, _show(results)


# ==== 3. IDOR: guessed codes, other people's ids, JSON bodies, the public lookup ============================


def _next_code(code: str, step: int = 1) -> str:
    """The dossier code `step` numbers after `code` in the same agency's daily sequence."""
    prefix, number = code.rsplit("-", 1)
    return f"{prefix}-{int(number) + step:0{len(number)}d}"


@dataclass
class Neighbours:
    mine: Dossier  # the citizen's online dossier
    theirs: Dossier  # the other citizen's, received next by the same centre: its code is mine + 1
    elsewhere: Dossier  # received at the counter of another agency (Department of Construction)
    never: str  # a code in the same sequence that was never issued


@pytest.fixture
def neighbours(cast: Cast) -> Neighbours:
    world = cast.world
    mine = submit_online(world, "2026-03-02 08:30")
    theirs = submit_online(world, "2026-03-02 08:40", user=world.other_citizen)
    Dossier.objects.filter(pk=theirs.pk).update(applicant_name="Trần Thị Cúc", applicant_id_number="052090007777")
    theirs.refresh_from_db()
    version = make_version(name="Cấp giấy phép xây dựng", agencies=[world.other_department], publish=False)
    version = publish_at(version)
    data = services.SubmissionData(
        procedure=version.procedure.code,
        agency=world.other_department.code,
        channel="counter",
        applicant=services.ApplicantData(kind="citizen", full_name="Lê Thị Bình", id_number="052090005678"),
    )
    elsewhere = services.dossier_submit(actor=world.other_officer.user, data=data, at=at("2026-03-02 09:00"))
    assert theirs.code == _next_code(mine.code)  # the guess is a real code
    return Neighbours(mine, theirs, elsewhere, _next_code(mine.code, 50))


def publish_at(version: Any) -> Any:
    from motcua.catalog.services import procedure_version_publish

    procedure_version_publish(version=version, at=at("2025-01-01 00:00"))
    version.refresh_from_db()
    return version


CITIZEN_CODE_ROUTES = [
    ("portal:my_dossier", "GET", []),
    ("portal:my_form", "GET", ["01"]),
    ("portal:payment", "GET", []),
    ("portal:my_withdraw", "POST", []),
    ("portal:my_supplement", "POST", []),
    ("portal:my_rate", "POST", []),
    ("portal:payment_start", "POST", []),
]
STAFF_CODE_ROUTES = [
    ("backoffice:dossier", "GET", []),
    ("backoffice:form_pdf", "GET", ["01"]),
    ("backoffice:results", "GET", []),
    ("backoffice:payments", "GET", []),
    ("backoffice:action", "POST", ["receive"]),
    ("backoffice:action", "POST", ["withdraw"]),
    ("backoffice:payment_cash", "POST", []),
    ("backoffice:result_generate", "POST", []),
]
POST_DATA = {"reason": "Không cần nữa", "withdraw-reason": "Không cần nữa", "provider": "vietqr", **_rating()}


def _probe(client: Client, route: str, method: str, code: str, extra: list[str]) -> Attempt:
    url = reverse(route, args=[code, *extra])
    return attempt(lambda: client.post(url, POST_DATA) if method == "POST" else client.get(url))


def test_guessed_dossier_codes_are_not_found_and_change_nothing(cast: Cast, neighbours: Neighbours) -> None:
    citizen = cast.http("citizen")
    for route, method, extra in CITIZEN_CODE_ROUTES:
        if route != "portal:my_form":  # (form 01 exists once the dossier is received)
            own = _probe(citizen, route, method, neighbours.mine.code, extra)
            assert own.response.status_code != 404, route  # the same request on the citizen's own dossier
        for guess in (neighbours.theirs.code, neighbours.never, neighbours.elsewhere.code):
            result = _probe(citizen, route, method, guess, extra)
            assert (result.response.status_code, result.changed) == (404, False), (route, guess)
    # the officers of the centre see the centre's dossiers; not the Department of Construction's
    officer = cast.http("officer")
    other_officer = cast.http("other_officer")
    for route, method, extra in STAFF_CODE_ROUTES:
        for client, guess in ((officer, neighbours.elsewhere.code), (other_officer, neighbours.mine.code)):
            result = _probe(client, route, method, guess, extra)
            assert (result.response.status_code, result.changed) == (404, False), (route, guess)
        never = _probe(officer, route, method, neighbours.never, extra)
        assert (never.response.status_code, never.changed) == (404, False), route


def test_guessed_codes_in_the_api_get_the_answer_of_a_code_never_issued(cast: Cast, neighbours: Neighbours) -> None:
    """Not found for a dossier of someone else exactly as for no dossier at all: nothing to enumerate."""
    for who, guess in (("citizen", neighbours.theirs.code), ("officer", neighbours.elsewhere.code)):
        headers = cast.api_headers(who)
        for path in ("", "/history", "/forms/01"):
            real = Client().get(f"{API_PREFIX}/dossiers/{guess}{path}", **headers)
            never = Client().get(f"{API_PREFIX}/dossiers/{neighbours.never}{path}", **headers)
            assert real.status_code == never.status_code == 404, (who, path)
            assert real.json()["detail"] == never.json()["detail"], (who, path)
        for action in ("withdraw", "receive"):
            url = f"{API_PREFIX}/dossiers/{guess}/actions/{action}"
            result = attempt(
                lambda url=url, headers=headers: Client().post(
                    url, '{"reason": "x"}', content_type="application/json", **headers
                )
            )
            assert (result.response.status_code, result.changed) == (404, False), (who, action)
    headers = cast.api_headers("other_client")
    result = Client().get(f"{API_PREFIX}/dossiers/{neighbours.mine.code}", **headers)
    assert result.status_code == 404


def test_ids_of_other_peoples_objects_in_paths(cast: Cast, neighbours: Neighbours, settings: Any) -> None:
    settings.MOTCUA_PAYMENT_PROVIDERS = ["vietqr", "cash"]
    world = cast.world
    mine, theirs = neighbours.mine, neighbours.theirs
    _account(world)
    their_document = theirs.documents.exclude(file="").first()
    assert their_document is not None
    their_payment = payment_services.payment_start(dossier=theirs, actor=world.other_citizen, provider="vietqr")
    for dossier in (mine, theirs):
        services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
        services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
    their_result = result_services.result_generate(
        dossier=Dossier.objects.get(pk=theirs.pk), actor=world.specialist.user, title="Quyết định"
    )
    citizen, officer, specialist = cast.http("citizen"), cast.http("officer"), cast.http("specialist")
    probes = [
        # the citizen's own code with the other citizen's document, payment
        (citizen, "GET", reverse("portal:my_document", args=[mine.code, their_document.pk])),
        (citizen, "GET", reverse("portal:payment_qr", args=[mine.code, their_payment.reference])),
        (citizen, "GET", reverse("portal:payment_receipt", args=[mine.code, their_payment.reference])),
        (citizen, "GET", reverse("portal:my_result", args=[mine.code, their_result.pk])),
        # staff who may see both dossiers still cannot pair one dossier's code with another's objects
        (officer, "GET", reverse("backoffice:document", args=[mine.code, their_document.pk])),
        (officer, "POST", reverse("backoffice:payment_confirm", args=[mine.code, their_payment.reference])),
        (officer, "GET", reverse("backoffice:payment_receipt", args=[mine.code, their_payment.reference])),
        (specialist, "GET", reverse("backoffice:result_download", args=[mine.code, their_result.pk])),
        (cast.http("leader"), "POST", reverse("backoffice:result_sign", args=[mine.code, their_result.pk])),
    ]
    for client, method, url in probes:
        result = attempt(lambda client=client, method=method, url=url: _follow_not(client, method, url))
        assert (result.response.status_code, result.changed) == (404, False), url
    # the same requests with the right pairing are answered (the probes above can fail)
    assert citizen.get(reverse("portal:my_document", args=[mine.code, mine.documents.first().pk])).status_code == 200  # type: ignore[union-attr]
    assert officer.get(reverse("backoffice:document", args=[theirs.code, their_document.pk])).status_code == 200


def _follow_not(client: Client, method: str, url: str) -> HttpResponse:
    return client.post(url, {}) if method == "POST" else client.get(url)


def test_drafts_and_alerts_of_others(cast: Cast) -> None:
    from motcua.dossiers import online
    from motcua.dossiers.models import DeadlineAlert

    world = cast.world
    draft = online.draft_create(actor=world.citizen, procedure_code=world.version.procedure.code)
    other = cast.http("other_citizen")
    for route in ("portal:draft", "portal:draft_review"):
        url = reverse(route, args=[draft.pk])
        for method in ("GET", "POST"):
            result = attempt(lambda url=url, method=method: _follow_not(other, method, url))
            assert (result.response.status_code, result.changed) == (404, False), (route, method)
        assert cast.http("citizen").get(url).status_code == 200
    dossier = state_at_specialist(world)
    alert = DeadlineAlert.objects.create(
        dossier=dossier,
        step=dossier.current_step,
        kind=DeadlineAlert.Kind.STEP_DUE_SOON,
        recipient=world.specialist,
        created_at=at("2026-03-04 09:00"),
        due_at=at("2026-03-06 09:00"),
    )
    for who in ("head", "leader", "other_specialist", "officer"):
        result = attempt(lambda who=who: cast.http(who).post(reverse("backoffice:alerts"), {"alert": [alert.pk]}))
        assert result.changed is False, who
    cast.http("specialist").post(reverse("backoffice:alerts"), {"alert": [alert.pk]})
    alert.refresh_from_db()
    assert alert.read_at is not None


def test_report_pages_of_another_agency_or_province(cast: Cast) -> None:
    world = cast.world
    asks = [
        ("leader", world.other_department.code, 403),
        ("agency_admin", world.other_department.code, 403),
        ("other_monitor", world.department.code, 403),
        ("other_province_admin", world.committee.code, 403),
        ("leader", world.department.code, 200),
        ("monitor", world.other_department.code, 200),
    ]
    for who, agency, status in asks:
        for route in ("backoffice:reports", "backoffice:reports_drill", "backoffice:reports_form06_xlsx"):
            response = cast.http(who).get(reverse(route), {"agency": agency})
            if status == 200 and route == "backoffice:reports_drill":  # (a drill-down also needs its indicator)
                assert response.status_code in {200, 400}, (route, who, agency)
            else:
                assert response.status_code == status, (route, who, agency)
        # the same question through the API (a user's token; clients: tests/clients/test_permissions.py)
        period = {"agency": agency, "from": "2026-01-01", "to": "2026-03-31"}
        answer = Client().get(f"{API_PREFIX}/stats/summary", period, **cast.api_headers(who))
        assert answer.status_code == status, ("api", who, agency)
    # the tracking book offers the agencies in the caller's scope only: another agency is not a valid choice
    book = {"agency": world.centre.code, "start": "2026-03-01", "end": "2026-03-05", "format": "xlsx"}
    assert cast.http("other_officer").get(reverse("backoffice:tracking"), book).status_code == 400
    assert cast.http("officer").get(reverse("backoffice:tracking"), book).status_code == 200


def test_ids_of_other_peoples_objects_in_json_bodies(cast: Cast) -> None:
    world = cast.world
    Component = world.version.components.model
    Component.objects.filter(version=world.version).update(required=False)
    their_upload = upload_pdf(world.other_citizen)
    # submit a dossier with someone else's upload
    body = {
        "procedure": world.version.procedure.code,
        "agency": world.department.code,
        "channel": "online",
        "applicant": {"kind": "citizen", "full_name": "Nguyễn Văn An", "id_number": "052090001234"},
        "documents": [{"component": "TP1", "file": their_upload}],
        "delivery": {"method": "online"},
    }
    for who in ("citizen", "client"):
        result = attempt(
            lambda who=who: Client().post(
                f"{API_PREFIX}/dossiers", json.dumps(body), content_type="application/json", **cast.api_headers(who)
            )
        )
        assert 400 <= result.response.status_code < 500 and not result.changed, (who, result.response.status_code)
    # answer a supplement request with someone else's upload
    dossier = awaiting_supplement(world)
    url = f"{API_PREFIX}/dossiers/{dossier.code}/actions/supplement"
    supplement = {"documents": [{"component": "TP1", "file": their_upload}]}
    for who in ("citizen", "officer"):
        result = attempt(
            lambda who=who: Client().post(
                url, json.dumps(supplement), content_type="application/json", **cast.api_headers(who)
            )
        )
        assert 400 <= result.response.status_code < 500 and not result.changed, (who, result.response.status_code)
    # hand a step to a member of another agency (API by username, back office by id)
    dossier = state_at_specialist(world)
    for who, action, payload in (
        ("head", "assign", {"assignee": "other.specialist"}),
        ("specialist", "forward", {"assignee": "other.head"}),
    ):
        result = attempt(
            lambda who=who, action=action, payload=payload: Client().post(
                f"{API_PREFIX}/dossiers/{dossier.code}/actions/{action}",
                json.dumps(payload),
                content_type="application/json",
                **cast.api_headers(who),
            )
        )
        assert 400 <= result.response.status_code < 500 and not result.changed, (who, action)
    for who, action, field_name, staff in (
        ("head", "assign", "assign-assignee", "other_specialist"),
        ("specialist", "forward", "forward-assignee", "other_head"),
    ):
        page = reverse("backoffice:action", args=[dossier.code, action])
        data = {field_name: str(cast.staff(staff).pk)}
        result = attempt(lambda who=who, page=page, data=data: cast.http(who).post(page, data))
        assert (result.response.status_code, result.changed) == (400, False), (who, action)


# ---- the public lookup: second factor and masking ---------------------------------------------------------


def test_public_lookup_needs_the_id_number_and_masks_personal_data(cast: Cast, neighbours: Neighbours) -> None:
    dossier = Dossier.objects.get(pk=neighbours.mine.pk)
    dossier.applicant_phone, dossier.applicant_email = "0905123456", "an.nguyen@example.vn"
    dossier.save(update_fields=["applicant_phone", "applicant_email"])
    personal = [dossier.applicant_name, dossier.applicant_id_number, "0905123456", "an.nguyen@example.vn"]
    masked = mask_name(dossier.applicant_name)  # initials only
    assert masked != dossier.applicant_name
    page = reverse("portal:lookup")
    before = snapshot()

    # the QR code's address only fills in the code: nothing about the dossier is shown
    opened = Client().get(page, {"code": dossier.code})
    assert opened.status_code == 200 and dossier.procedure_version.name not in opened.content.decode()
    # without the ID number, with a wrong one, or for a code never issued: the same refusal, nothing shown
    refusals = {
        "no id": Client().post(page, {"code": dossier.code}),
        "wrong id": Client().post(page, {"code": dossier.code, "id_number": "052090009999"}),
        "other's id": Client().post(
            page, {"code": dossier.code, "id_number": neighbours.elsewhere.applicant_id_number}
        ),
        "never issued": Client().post(page, {"code": neighbours.never, "id_number": dossier.applicant_id_number}),
    }
    assert {k: r.status_code for k, r in refusals.items()} == {
        "no id": 400,
        "wrong id": 404,
        "other's id": 404,
        "never issued": 404,
    }
    for name, response in refusals.items():
        text = response.content.decode()
        assert dossier.procedure_version.name not in text, name
        assert dossier.applicant_name not in text and masked not in text, name
        assert not any(value in text for value in personal[2:]), name
    # code and ID number: the status, with the name masked and no other personal data
    found = Client().post(page, {"code": dossier.code, "id_number": dossier.applicant_id_number})
    text = found.content.decode()
    assert found.status_code == 200 and masked in text
    assert dossier.applicant_name not in text
    assert not any(value in text for value in personal[2:])

    api = f"{API_PREFIX}/lookup"
    assert Client().get(api, {"code": dossier.code}).status_code in {400, 422}
    assert Client().get(api, {"code": dossier.code, "id_number": "052090009999"}).status_code == 404
    assert (
        Client().get(api, {"code": neighbours.theirs.code, "id_number": dossier.applicant_id_number}).status_code == 404
    )
    answer = Client().get(api, {"code": dossier.code, "id_number": dossier.applicant_id_number})
    assert answer.status_code == 200 and answer.json()["applicant"] == masked
    assert not any(value in answer.content.decode() for value in personal)
    assert snapshot() == before


def test_kiosk_rating_needs_the_id_number(cast: Cast) -> None:
    dossier = _returned(cast)
    for id_number in ("", "052090009999"):
        data = {"code": dossier.code, "id_number": id_number, **_rating()}
        result = attempt(lambda data=data: Client().post(reverse("portal:kiosk"), data))
        assert result.response.status_code in {200, 400} and not result.changed, id_number  # the form again
    data = {"code": dossier.code, "id_number": dossier.applicant_id_number, **_rating()}
    assert attempt(lambda: Client().post(reverse("portal:kiosk"), data)).changed  # the check can fail


def test_signed_document_links_refuse_forged_tokens(cast: Cast) -> None:
    from django.core import signing

    from motcua.integrations.national_portal import links

    dossier = submit_online(cast.world, "2026-03-02 08:30")
    document = dossier.documents.exclude(file="").first()
    assert document is not None
    good = links.document_link(document).rsplit("/tai-lieu/", 1)[1].strip("/")
    forged = [
        str(document.pk),
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        signing.dumps({"k": "d", "i": document.pk, "h": document.sha256}, salt="another.salt"),
        signing.dumps({"k": "d", "i": document.pk, "h": document.sha256}, salt=links.SALT, key="a-guessed-key"),
    ]
    assert Client().get(reverse("document_links:file", args=[good])).status_code == 200
    for token in forged:
        assert Client().get(reverse("document_links:file", args=[token])).status_code == 404, token
    with time_machine.travel(at(ACT_AT) + dt.timedelta(seconds=links.max_age() + 60), tick=False):
        assert Client().get(reverse("document_links:file", args=[good])).status_code == 404  # expired
