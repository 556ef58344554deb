"""Template tags that put the result panel on pages this app does not render (staff and citizen dossier pages)."""

from __future__ import annotations

from typing import Any

from django import template

from motcua.dossiers.models import Dossier
from motcua.results import selectors, services

register = template.Library()


@register.simple_tag
def result_panel(user: Any, dossier: Dossier) -> dict[str, Any]:
    """What the staff result panel shows: the results and which buttons work for `user`."""
    return {
        "results": list(selectors.results_of(dossier)),
        "can_attach": services.can_attach(user, dossier),
        "can_sign": services.can_sign(user, dossier),
    }


@register.simple_tag
def signed_results(dossier: Dossier) -> list[Any]:
    """The signed results of a dossier, for its applicant."""
    return list(selectors.signed_results_of(dossier))
