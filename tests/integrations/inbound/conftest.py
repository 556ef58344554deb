"""The dossier tests' small province, reused by the inbound tests."""

from tests.dossiers.conftest import World, world

__all__ = ["World", "world"]
