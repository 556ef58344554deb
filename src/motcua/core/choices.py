"""Labels of choice fields without rebuilding the choices on every call.

Django's `get_FOO_display` builds a dict of every choice on each call, hashing each lazy label, which
translates it: 12 translations for one dossier's status. A list of 50 dossiers spent a sixth of its page's
CPU there (docs/performance.md). `ChoiceLabels` keeps each field's value-to-label dict once per process;
the labels stay lazy, so each call still translates the one label it returns into the active language.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field, Model
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str

_LABELS: dict[Field[Any, Any], dict[Any, Any]] = {}
_DJANGOS: Any = Model._get_FIELD_display  # type: ignore[attr-defined]


class ChoiceLabels:
    """Mixin for a model: its `get_FOO_display` methods read a dict built once per field."""

    def _get_FIELD_display(self, field: Field[Any, Any]) -> Any:
        labels = _LABELS.get(field)
        if labels is None:
            if isinstance(field.choices, CallableChoiceIterator):  # choices that may change: Django's way
                return _DJANGOS(self, field)
            labels = dict(field.flatchoices)
            _LABELS[field] = labels
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value (a JSON field with choices): Django's way
            return _DJANGOS(self, field)
        return force_str(label, strings_only=True)
