"""`get_FOO_display` through `ChoiceLabels` answers as Django's does, in the active language, without
building the choices again on every call."""

from __future__ import annotations

from unittest import mock

from django.db.models import Model
from django.utils import translation

from motcua.core import choices
from motcua.dossiers.models import Dossier, DossierStep, Status


def test_the_label_of_every_choice_as_django_gives_it_in_both_languages() -> None:
    for language in ("vi", "en"):
        with translation.override(language):
            for value, _label in Status.choices:
                dossier = Dossier(status=value)
                assert dossier.get_status_display() == Model._get_FIELD_display(
                    dossier, Dossier._meta.get_field("status")
                )
    with translation.override("en"):
        english = Dossier(status=Status.SUBMITTED).get_status_display()
    with translation.override("vi"):
        vietnamese = Dossier(status=Status.SUBMITTED).get_status_display()
    assert english != vietnamese  # each call translates: the labels kept are lazy


def test_an_unknown_value_is_shown_as_it_is() -> None:
    assert Dossier(status="khac").get_status_display() == "khac"
    assert DossierStep(state="").get_state_display() == ""


def test_the_choices_are_read_once_per_field() -> None:
    field = Dossier._meta.get_field("status")
    choices._LABELS.pop(field, None)
    with mock.patch.object(type(field), "flatchoices", new_callable=mock.PropertyMock) as flat:
        flat.return_value = list(Status.choices)
        for _ in range(5):
            Dossier(status=Status.SUBMITTED).get_status_display()
    assert flat.call_count == 1
    choices._LABELS.pop(field, None)
