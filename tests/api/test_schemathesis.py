"""Property-based tests of the committed OpenAPI schema (docs/api/openapi.json) with schemathesis.

Every operation of the schema is called in-process through the WSGI application with a few generated
requests (valid and invalid ones) on the demo province, signed in as the province administrator; no answer
may be a server error (5xx). The run is bounded and derandomised so that it is quick and repeatable.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from motcua.api.auth import issue_token
from motcua.demo.loader import load_demo

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"
MAX_EXAMPLES = 8
STUB_PDF = b"%PDF-1.4\n%%EOF\n"
STAFF_USERNAME = "quantri"  # the demo's province administrator: every staff endpoint is open to them

CONFIG = SchemathesisConfig.from_dict(
    {"generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "no-shrink": True, "database": "none"}}
)
schema = schemathesis.openapi.from_path(SCHEMA_PATH, config=CONFIG)

# Server errors found by this test and not fixed yet (the fix belongs to the router or module named): each
# operation here is an expected failure; once fixed it passes, fails as XPASS(strict), and must leave the list.
#: operations known to answer a server error, each with its example (strict: a fix must remove its entry)
KNOWN_SERVER_ERRORS: dict[str, str] = {}

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schemathesis-media")


@pytest.fixture(scope="module")
def app(django_db_setup: Any, django_db_blocker: Any, demo_media: Path) -> Iterator[WSGIHandler]:
    """The WSGI application over the demo province, loaded once in a transaction rolled back at the end.

    Each test runs in a savepoint inside it. The application's requests run in the test's thread and
    connection, so the signal handlers that would close that connection between requests are disconnected
    for the module (as Django's test client does).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(
                DEBUG=True,
                MEDIA_ROOT=demo_media,
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            ),
            # the blank form templates are rendered by WeasyPrint (seconds); a stub PDF serves the API as well
            mock.patch("motcua.demo.loader.blank_form_pdf", return_value=STUB_PDF),
            transaction.atomic(),
        ):
            load_demo()
            yield WSGIHandler()
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def staff_headers(app: WSGIHandler) -> dict[str, str]:
    user = get_user_model().objects.get(username=STAFF_USERNAME)
    return {"Authorization": f"Bearer {issue_token(user)}"}


@pytest.fixture(autouse=True)
def _known_server_errors(request: pytest.FixtureRequest) -> None:
    label = request.node.name.partition("[")[2].removesuffix("]")
    if label in KNOWN_SERVER_ERRORS:
        request.node.add_marker(pytest.mark.xfail(reason=KNOWN_SERVER_ERRORS[label], strict=True))


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error(case: Any, app: WSGIHandler, staff_headers: dict[str, str]) -> None:
    case.call_and_validate(app=app, headers=staff_headers, checks=[not_a_server_error])
