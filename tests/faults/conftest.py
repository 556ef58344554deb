"""Fixtures shared by the fault tests: the dossier tests' small province."""

from __future__ import annotations

from tests.dossiers.conftest import world

__all__ = ["world"]
