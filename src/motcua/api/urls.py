"""The public API v1 (Django Ninja); schema at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from ninja import NinjaAPI

from motcua.api import problems
from motcua.api.renderers import JSONRenderer
from motcua.api.routers import accounts, calendar, catalog, dossiers, inbound, stats, system

api = NinjaAPI(
    title="motcua API",
    version="1.0.0",
    description="Public HTTP contract of motcua (see docs/api.md).",
    urls_namespace="api",
    renderer=JSONRenderer(),
)
problems.install(api)
api.add_router("/", system.router)
api.add_router("/", catalog.router)
api.add_router("/", calendar.router)
api.add_router("/", accounts.router)
api.add_router("/", dossiers.router)
api.add_router("/", stats.router)
api.add_router("/", inbound.router)
