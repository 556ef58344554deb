"""The dossier tests' small province, plus helpers to pay through the local VNPAY simulator."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from motcua.dossiers.models import Dossier
from motcua.payments.models import CollectingAccount
from tests.dossiers.conftest import World, at, submit_counter, submit_online, world

__all__ = ["World", "at", "submit_counter", "submit_online", "world"]


@pytest.fixture
def simulator(settings: Any) -> None:
    settings.MOTCUA_PAYMENT_SIMULATOR = True
    settings.MOTCUA_PAYMENT_PROVIDERS = ["vnpay", "vietqr", "cash"]
    settings.MOTCUA_VNPAY_TMN_CODE = ""
    settings.MOTCUA_VNPAY_HASH_SECRET = ""
    settings.MOTCUA_VNPAY_PAYMENT_URL = ""


@pytest.fixture
def account(world: World) -> CollectingAccount:
    return CollectingAccount.objects.create(
        agency=world.centre,
        bank_bin="970415",
        bank_name="Ngân hàng TMCP Công Thương Việt Nam",
        account_number="113000012345",
        account_holder="Trung tâm Phục vụ hành chính công tỉnh",
        is_organisation=True,
    )


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def start_vnpay(client: Client, dossier: Dossier) -> dict[str, str]:
    """The applicant chooses VNPAY: the signed parameters of the simulator page they are sent to."""
    response = client.post(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/bat-dau/", {"provider": "vnpay"})
    assert response.status_code == 302, response.content
    assert response["Location"].startswith("/mo-phong/vnpay/?")
    return query(response["Location"])


def simulate(client: Client, params: dict[str, str], outcome: str) -> str:
    """Press a button on the simulator page; the return URL (with VNPAY's signed answer) it redirects to."""
    response = client.post("/mo-phong/vnpay/", {**params, "outcome": outcome})
    assert response.status_code == 302, response.content
    return str(response["Location"])
