"""An advisory may come from another app's record (a significant incident, a nearby crime). This app
never imports that app: the record is named by "app_label.model:pk", and whether the user may open
it is asked of the notification kinds registered for that model (the owning app's own rule)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.contenttypes.models import ContentType


@dataclass(frozen=True)
class Source:
    obj: object
    label: str
    key: str
    prefill: dict = field(default_factory=dict)


def may_open(user, obj) -> bool:
    from notifications.registry import subject_may_open

    return subject_may_open(user, obj)


def url_for(obj) -> str | None:
    from notifications.registry import subject_url

    return subject_url(obj)


def source_key(obj) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def parse_source(user, value: str, prefill: dict | None = None) -> Source | None:
    """The record named by `value`, if it exists and the user may open it; None otherwise (a
    forged or stale reference is dropped, never stored)."""
    label, _, pk = (value or "").partition(":")
    if not label or not pk.isdigit():
        return None
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    obj = model._default_manager.filter(pk=int(pk)).first()
    if obj is None or not may_open(user, obj):
        return None
    return Source(obj=obj, label=str(obj)[:200], key=source_key(obj), prefill=prefill or {})


def source_url(user, advisory) -> str | None:
    ct = ContentType.objects.get_for_id(advisory.source_type_id)
    obj = ct.model_class()._default_manager.filter(pk=advisory.source_id).first()
    if obj is None or not may_open(user, obj):
        return None
    return url_for(obj)
