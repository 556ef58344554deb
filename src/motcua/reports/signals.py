"""Keep the statistics in step with every saved or deleted dossier and the records its flags come from."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from motcua.reports import facts

#: the status the statistics last accounted for, kept on a dossier instance (set when a service locks the row,
#: see `motcua.dossiers.services._lock`, and after every refresh here)
COUNTED_STATUS = "_counted_status"


def _dossier_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if raw:
        return
    if fields is not None:
        relevant = facts.RELEVANT_FIELDS.intersection(fields)
        if not relevant:
            return
        # e.g. received → processing: the facts read only the status among the fields saved, and both statuses
        # give the same facts (the stored ones are current, so reading them back would find nothing to do)
        if relevant == {"status"} and facts.status_change_is_neutral(
            getattr(instance, COUNTED_STATUS, None), instance.status
        ):
            setattr(instance, COUNTED_STATUS, instance.status)
            return
    facts.refresh(instance.pk, reread_flags=False, dossier=instance, created=bool(kwargs.get("created")))
    setattr(instance, COUNTED_STATUS, instance.status)


def _dossier_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    facts.refresh(instance.pk, reread_flags=False)


def _related_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    dossier_id = getattr(instance, "dossier_id", None)
    if not raw and dossier_id is not None:
        facts.refresh(dossier_id, reread_flags=True)


def _lookup_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    from motcua.dossiers.models import Dossier

    if raw or not instance.dossier_code:
        return
    dossier_id = Dossier.objects.filter(code=instance.dossier_code).values_list("pk", flat=True).first()
    if dossier_id is not None:
        facts.refresh(dossier_id, reread_flags=True)


def connect() -> None:
    from motcua.dossiers.models import Document, Dossier, DossierFee, SatisfactionRating, StoredDocument
    from motcua.integrations.models import PopulationLookup
    from motcua.payments.models import PaymentRequest
    from motcua.results.models import ResultDocument

    post_save.connect(_dossier_saved, sender=Dossier, dispatch_uid="reports.dossier_saved")
    post_delete.connect(_dossier_deleted, sender=Dossier, dispatch_uid="reports.dossier_deleted")
    for model in (Document, DossierFee, SatisfactionRating, StoredDocument, PaymentRequest, ResultDocument):
        name = model.__name__
        post_save.connect(_related_changed, sender=model, dispatch_uid=f"reports.{name}_saved")
        post_delete.connect(_related_changed, sender=model, dispatch_uid=f"reports.{name}_deleted")
    post_save.connect(_lookup_saved, sender=PopulationLookup, dispatch_uid="reports.lookup_saved")


def disconnect() -> None:
    """Stop following changes (benchmarks measure an action with and without the counters)."""
    from motcua.dossiers.models import Document, Dossier, DossierFee, SatisfactionRating, StoredDocument
    from motcua.integrations.models import PopulationLookup
    from motcua.payments.models import PaymentRequest
    from motcua.results.models import ResultDocument

    post_save.disconnect(sender=Dossier, dispatch_uid="reports.dossier_saved")
    post_delete.disconnect(sender=Dossier, dispatch_uid="reports.dossier_deleted")
    for model in (Document, DossierFee, SatisfactionRating, StoredDocument, PaymentRequest, ResultDocument):
        name = model.__name__
        post_save.disconnect(sender=model, dispatch_uid=f"reports.{name}_saved")
        post_delete.disconnect(sender=model, dispatch_uid=f"reports.{name}_deleted")
    post_save.disconnect(sender=PopulationLookup, dispatch_uid="reports.lookup_saved")
