"""Single sign-on settings: off by default, complete or refused, the back end added only when on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
ENDPOINTS = {
    "OIDC_RP_CLIENT_SECRET": "s3cret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.example/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.example/jwks",
}
PROBE = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps([s.MOTCUA_OIDC_ENABLED, list(s.AUTHENTICATION_BACKENDS), s.MOTCUA_OIDC_CLAIMS['id_number']]))"
)


def load(**variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "MOTCUA_OIDC_", "DJANGO_SETTINGS"))}
    env.update(PYTHONPATH=str(PROJECT_DIR / "src"), DJANGO_SETTINGS_MODULE="motcua.settings", DEBUG="true")
    env.update(variables)
    return subprocess.run(  # noqa: S603  our own interpreter and code
        [sys.executable, "-c", f"import django; django.setup(); {PROBE}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_single_sign_on_is_off_without_a_client_id() -> None:
    result = load()
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [False, ["motcua.accounts.backends.AccountBackend"], "sub"]


def test_a_client_id_without_the_endpoints_is_refused() -> None:
    result = load(OIDC_RP_CLIENT_ID="motcua")
    assert result.returncode != 0
    assert "OIDC_RP_CLIENT_SECRET, OIDC_OP_AUTHORIZATION_ENDPOINT" in result.stderr


def test_a_complete_configuration_adds_the_back_end_and_the_claim_mapping() -> None:
    result = load(OIDC_RP_CLIENT_ID="motcua", MOTCUA_OIDC_CLAIM_ID_NUMBER="citizen_id", **ENDPOINTS)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        True,
        ["motcua.accounts.backends.AccountBackend", "motcua.accounts.oidc.IdentityBackend"],
        "citizen_id",
    ]
