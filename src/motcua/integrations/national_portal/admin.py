"""The portal simulator's call log, read-only (the destinations and delivery records: `integrations.delivery_admin`)."""

from __future__ import annotations

from django.contrib import admin

from motcua.integrations.delivery_admin import ReadOnlyAdmin
from motcua.integrations.national_portal.models import SimulatedPortalCall


@admin.register(SimulatedPortalCall)
class SimulatedPortalCallAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "endpoint", "dossier_code", "http_status", "error_code", "idempotency_key"]
    list_filter = ["endpoint", "http_status"]
    search_fields = ["dossier_code"]
    fields = ("received_at", "endpoint", "dossier_code", "http_status", "error_code", "idempotency_key", "body")
    readonly_fields = fields
