"""Which postal provider is used: `MOTCUA_POST_PROVIDER` ("simulator" by default, or "vnpost")."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from motcua.integrations.post.base import PostAdapter
from motcua.integrations.post.simulator import SIMULATOR
from motcua.integrations.post.vnpost import VNPostAdapter

ADAPTERS: dict[str, Callable[[], PostAdapter]] = {
    "simulator": lambda: SIMULATOR,
    "vnpost": VNPostAdapter.from_settings,
}


def provider_name() -> str:
    return str(getattr(settings, "MOTCUA_POST_PROVIDER", "simulator") or "simulator")


def get_adapter(name: str | None = None) -> PostAdapter:
    chosen = str(name or provider_name())
    factory = ADAPTERS.get(chosen)
    if factory is None:
        raise ImproperlyConfigured(
            f"MOTCUA_POST_PROVIDER={chosen!r} is unknown; choose one of: {', '.join(sorted(ADAPTERS))}"
        )
    return factory()


def simulator_active() -> bool:
    return provider_name() == "simulator"


def configuration_check() -> list[str]:
    """Problems of the configured provider (empty list: ready)."""
    try:
        return get_adapter().check_configuration()
    except ImproperlyConfigured as exc:
        return [str(exc)]
