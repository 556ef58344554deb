"""The dossier tests' small province, with a demo CA and agency keys generated in a temporary directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier
from motcua.results import pki
from tests.dossiers.conftest import World, at, submit_counter, submit_online, world

__all__ = ["World", "at", "keys", "processing", "submit_counter", "submit_online", "world"]

PASSPHRASE = "test-passphrase"


@pytest.fixture
def keys(settings: Any, tmp_path: Path, world: World) -> Path:
    """var/pki for the test: the CA and a PKCS#12 per agency of the world (the command's functions)."""
    directory = tmp_path / "pki"
    agencies = [(a.code, a.name) for a in (world.department, world.other_department, world.centre)]
    pki.ensure_agency_keys(directory, agencies, PASSPHRASE)
    settings.MOTCUA_SIGNING_KEYS_DIR = str(directory)
    settings.MOTCUA_SIGNING_P12_PASSPHRASE = PASSPHRASE
    settings.MOTCUA_SIGNING_KEYS = {}
    settings.MOTCUA_SIGNING_TRUST_ROOTS = []
    settings.MOTCUA_TSA_URL = ""
    settings.MOTCUA_REQUIRE_SIGNED_RESULT = False
    return directory


def processing(world: World, *, at_leader: bool = False) -> Dossier:
    """An online dossier of world.citizen, received and at the specialist's step (or the leader's)."""
    dossier = submit_online(world, "2026-03-02 08:30")
    dossier_services.dossier_receive(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:00"))
    dossier_services.dossier_forward(dossier=dossier, actor=world.officer.user, at=at("2026-03-02 09:10"))
    if at_leader:
        dossier_services.dossier_forward(dossier=dossier, actor=world.specialist.user, at=at("2026-03-03 10:00"))
        dossier_services.dossier_forward(dossier=dossier, actor=world.head.user, at=at("2026-03-03 15:00"))
    return Dossier.objects.get(pk=dossier.pk)
