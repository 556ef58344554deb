"""Models of the core app, defined next to the code that owns them."""

from motcua.core.audit import AuditEvent
from motcua.core.calendars import CalendarDay, OfficeHours
from motcua.core.lockout import LoginThrottle
from motcua.core.outbox import OutboxEvent

__all__ = ["AuditEvent", "CalendarDay", "LoginThrottle", "OfficeHours", "OutboxEvent"]
