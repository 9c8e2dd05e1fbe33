"""Every model of ours saves texts holding a NUL or a lone surrogate (PostgreSQL refuses both
in text and JSON; SQLite accepts them, so this bites only in production). Runs on both
databases; the PostgreSQL run is the one that would fail without avodash.storable."""

from __future__ import annotations

import itertools

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import models

from avodash.storable import OUR_APPS

BAD = "a\x00b\ud800c"
_n = itertools.count()


def _our_models() -> list[type[models.Model]]:
    return [
        m
        for label in OUR_APPS
        for m in apps.get_app_config(label).get_models()
        if m._meta.managed and not m._meta.proxy
    ]


def _value(f: models.Field):
    if isinstance(f, models.JSONField):
        return {"k\x00": [BAD, {"x": BAD}]}
    if isinstance(f, (models.CharField, models.TextField)):
        text = f"{next(_n)}{BAD}"
        return text[: f.max_length] if f.max_length else text
    return None


def _build(model: type[models.Model]) -> models.Model:
    values = {}
    for f in model._meta.concrete_fields:
        if (
            f.primary_key
            or f.has_default()
            or getattr(f, "auto_now", False)
            or getattr(f, "auto_now_add", False)
        ):
            if not isinstance(f, (models.CharField, models.TextField, models.JSONField)) or f.primary_key:
                continue
        if isinstance(f, models.ForeignKey):
            if f.null:
                continue
            related = f.related_model
            values[f.name] = (
                User.objects.create(username=f"u{next(_n)}") if related is User else _build(related)
            )
        elif (v := _value(f)) is not None:
            values[f.name] = v
        elif isinstance(f, models.DateTimeField) and not f.null:
            from django.utils import timezone

            values[f.name] = timezone.now()
        elif isinstance(f, (models.IntegerField,)) and not f.null and not f.has_default():
            values[f.name] = next(_n)
    obj = model(**values)
    obj.save()
    return obj


@pytest.mark.django_db
@pytest.mark.parametrize("model", _our_models(), ids=lambda m: m._meta.label)
def test_each_model_saves_unstorable_text_cleaned(model):
    obj = _build(model)
    fresh = model.objects.get(pk=obj.pk)
    texts = [
        str(getattr(fresh, f.attname))
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField, models.JSONField))
    ]
    assert any("\ufffd" in t for t in texts), "a text field was written"
    assert not any("\x00" in t or "\ud800" in t for t in texts)
