"""Domain errors shared by services; the API turns them into problem+json, the UI into messages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    field: str
    message: str


@dataclass
class DomainError(Exception):
    """Base of the errors a service raises for input or state it refuses."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    status: int = 422
    title: str = "Invalid input"

    def __str__(self) -> str:
        return self.detail


class InvalidInput(DomainError):
    pass


class Conflict(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail, status=409, title="Conflict")


class NotFound(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail, status=404, title="Not found")
