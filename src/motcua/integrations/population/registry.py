"""Which population adapter answers: `MOTCUA_POPULATION_ADAPTER` ("simulator" by default, or "gateway")."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from motcua.integrations.population.base import PopulationAdapter
from motcua.integrations.population.gateway import GatewayAdapter
from motcua.integrations.population.simulator import SimulatorAdapter

ADAPTERS: dict[str, Callable[[], PopulationAdapter]] = {
    "simulator": SimulatorAdapter,
    "gateway": GatewayAdapter.from_settings,
}


def get_adapter(name: str | None = None) -> PopulationAdapter:
    chosen = str(name or getattr(settings, "MOTCUA_POPULATION_ADAPTER", "simulator"))
    factory = ADAPTERS.get(chosen)
    if factory is None:
        raise ImproperlyConfigured(
            f"MOTCUA_POPULATION_ADAPTER={chosen!r} is unknown; choose one of: {', '.join(sorted(ADAPTERS))}"
        )
    return factory()


def configuration_check() -> list[str]:
    """Problems of the configured adapter (empty list: ready)."""
    try:
        return get_adapter().check()
    except ImproperlyConfigured as exc:
        return [str(exc)]
