"""One place that makes what the dashboard keeps storable, whatever the database.

Texts from Avochato are cleaned as they are decoded (`avodash.avochato.text.without_nul`);
people's input passes Django's form validators, which refuse a NUL. This is the backstop for
everything else: before any of our models is saved, each text and JSON field gets the same
cleaning, so a NUL or a lone surrogate can never make a save fail on PostgreSQL (SQLite
accepts both, which is how such a bug hides). Bulk `update()` calls bypass signals; they
write values that were cleaned on the way in.
"""

from __future__ import annotations

from django.db import models
from django.db.models.signals import pre_save

from avodash.avochato import without_nul

OUR_APPS = ("avodash", "inbox", "team", "accounts")
_TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def make_storable(sender, instance, **kwargs) -> None:
    if sender._meta.app_label not in OUR_APPS:
        return
    for f in sender._meta.concrete_fields:
        if isinstance(f, _TEXT_FIELDS):
            value = getattr(instance, f.attname)
            if value is not None:
                setattr(instance, f.attname, without_nul(value))


def connect() -> None:
    pre_save.connect(make_storable, dispatch_uid="avodash.storable")
