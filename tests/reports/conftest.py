"""The dossier tests' small province, reused by the statistics tests."""

from tests.dossiers.conftest import World, at, submit_counter, submit_online, world

__all__ = ["World", "at", "submit_counter", "submit_online", "world"]
