"""The deployment check refuses a simulator switched on with DEBUG off."""

from __future__ import annotations

from django.test import override_settings

from motcua.core.checks import simulators_off_in_production


def test_simulators_on_in_production_are_errors() -> None:
    with override_settings(DEBUG=False, MOTCUA_PAYMENT_SIMULATOR=True, MOTCUA_NATIONAL_PORTAL_SIMULATOR=False):
        errors = simulators_off_in_production()
    assert [e.id for e in errors] == ["motcua.core.E001"]
    assert "MOTCUA_PAYMENT_SIMULATOR" in errors[0].msg


def test_simulators_off_or_debug_pass() -> None:
    with override_settings(DEBUG=False, MOTCUA_PAYMENT_SIMULATOR=False, MOTCUA_NATIONAL_PORTAL_SIMULATOR=False):
        assert simulators_off_in_production() == []
    with override_settings(DEBUG=True, MOTCUA_PAYMENT_SIMULATOR=True, MOTCUA_NATIONAL_PORTAL_SIMULATOR=True):
        assert simulators_off_in_production() == []
