"""What advisories put on pages it does not own: the SRO's home ("to acknowledge"), the sender's
home (their active advisories), and a significant incident's page (its advisories and "Advise SROs")."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from schools.permissions import holds_on_school
from ssd.panels import Panel, register_panel

from . import selectors
from .permissions import SEND, SENDER_ROLES, may_send
from .sources import source_key


def _home_waiting(request, subject):
    rows = selectors.waiting_for(user=request.user)
    if not rows and not selectors.received(user=request.user, state="active").exists():
        return None
    return {"rows": rows, "list_url": reverse("advisories:list") + "?state=waiting"}


def _home_sent(request, subject):
    if not may_send(request.user):
        return None
    rows = list(selectors.sent(user=request.user, state="active")[:5])
    return {"rows": rows, "list_url": reverse("advisories:list") + "?box=sent&state=active"}


def prefilled_url(prefill: dict) -> str:
    """/advisories/new/ prefilled with facts another app hands over: title, watch_for, schools
    (ids), source ("app_label.model:pk"). The form validates them like anything typed."""
    params = [(k, prefill[k]) for k in ("source", "title", "watch_for") if prefill.get(k)]
    params += [("schools", pk) for pk in prefill.get("schools", ())]
    return reverse("advisories:new") + "?" + urlencode(params)


def advise_url(incident) -> str:
    when = timezone.localtime(incident.occurred_at)
    school = incident.school
    category = getattr(incident.category, "name", "Incident")
    params = {
        "source": source_key(incident),
        "title": f"{category} at {school.name}",
        "watch_for": (
            f"What: {category}.\nWhere: {school.name}, PSA {school.psa.number} ({school.psa.district.code}).\n"
            f"When: {when:%m/%d/%Y %H:%M}.\nWatch for: "
        ),
        "schools": school.pk,
    }
    return reverse("advisories:new") + "?" + urlencode(params)


def _incident(request, incident):
    ct = ContentType.objects.get_for_model(type(incident))
    rows = selectors.for_source(source_type_id=ct.pk, source_id=incident.pk, user=request.user)
    can_advise = bool(getattr(incident, "significant", False)) and (
        holds_on_school(request.user, incident.school, SEND)
    )
    if not rows and not can_advise:
        return None
    return {"rows": rows, "advise_url": advise_url(incident) if can_advise else None}


def register() -> None:
    register_panel(
        Panel(
            key="advisories.waiting",
            slot="home",
            title="Advisories to acknowledge",
            template="advisories/panels/waiting.html",
            context=_home_waiting,
            order=15,
        )
    )
    register_panel(
        Panel(
            key="advisories.sent",
            slot="home",
            title="My active advisories",
            template="advisories/panels/sent.html",
            context=_home_sent,
            order=60,
            defer=True,
            roles=SENDER_ROLES,
        )
    )
    register_panel(
        Panel(
            key="advisories.incident",
            slot="incident",
            title="Advisories to SROs",
            template="advisories/panels/incident.html",
            context=_incident,
            order=30,
        )
    )
