"""The incidents app's notification kind: a significant incident.

Routed per category (the category key is the `IncidentCategory`'s stable code): the district's
sergeants, the area's lieutenant, the district and watch commanders, the division's commander for
the most serious categories, and a spillover warning to the SROs at the other schools of the PSA.
Unacknowledged by a sergeant within SSD_ESCALATE_AFTER_MINUTES, it climbs to the lieutenant, then
the commander. What it says never carries a narrative or a person's name.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from notifications.registry import NotificationKind, register_kind
from personnel.models import Role
from personnel.selectors import post_holders_by_role, post_q

from .models import Incident, IncidentCategory
from .permissions import SIGNIFICANT, VIEW, can_see, school_perms
from .selectors import held_school_ids

SPILLOVER = "psa_sros"
AUDIENCE_ROLES = {
    "sergeant": Role.SERGEANT,
    "lieutenant": Role.LIEUTENANT,
    "commander": Role.COMMANDER,
    "district_commander": Role.DISTRICT_COMMANDER,
    "watch_commander": Role.WATCH_COMMANDER,
    SPILLOVER: Role.SRO,
}

ANY_CATEGORY = [
    ("sergeant", "in_app"),
    ("sergeant", "email"),
    ("sergeant", "sms"),
    ("lieutenant", "in_app"),
    ("lieutenant", "email"),
    ("district_commander", "in_app"),
    ("district_commander", "email"),
    ("watch_commander", "in_app"),
    ("watch_commander", "email"),
    (SPILLOVER, "in_app"),
]
# Homicide, kidnapping, forcible sex offences, arson, weapons, explosives, human trafficking, a
# weapon found at school, a lockdown: these also reach the commander.
COMMANDER_CODES = [
    "09A",
    "09B",
    "09C",
    "100",
    "11A",
    "11B",
    "11C",
    "11D",
    "200",
    "520",
    "521",
    "522",
    "526",
    "64A",
    "64B",
    "SCH-WEAPON",
    "SCH-LOCKDOWN",
]


class SignificantIncident(NotificationKind):
    key = "incidents.significant"
    subject_models = ("incidents.incident",)
    label = "Significant incident"
    # The chain of command first: a person reached twice keeps the fuller reason (a spillover
    # warning shows less than a sergeant's notification).
    audiences = {
        "sergeant": "Sergeants of the school's district",
        "lieutenant": "Lieutenant of the area",
        "commander": "Commander of the division",
        "district_commander": "District commander",
        "watch_commander": "Watch commander",
        SPILLOVER: "SROs at the other schools in the PSA (spillover warning)",
    }
    default_routes = ANY_CATEGORY + [
        ("commander", channel, code) for code in COMMANDER_CODES for channel in ("in_app", "email", "sms")
    ]
    needs_ack = True
    ack_audiences = ("sergeant",)

    @property
    def categories(self) -> dict[str, str]:
        return dict(IncidentCategory.objects.order_by("code").values_list("code", "name"))

    @property
    def escalation(self) -> tuple[tuple[str, int], ...]:
        minutes = settings.SSD_ESCALATE_AFTER_MINUTES
        return (("lieutenant", minutes), ("commander", minutes))

    def escalation_text(self, level: int, minutes: int) -> str:
        if level == 1:
            return f"Escalated to the lieutenant of the area: no sergeant acknowledged within {minutes} minutes."
        return f"Escalated to the commander: nobody acknowledged within {minutes} minutes."

    def audience_text(self, event, audience: str) -> str:
        if audience == SPILLOVER and event.school is not None:
            return f"SROs at the other schools in {event.school.psa}"
        return super().audience_text(event, audience)

    def recipients(self, event, audiences: set[str]) -> dict[str, list[int]]:
        # The author wrote it and whoever marked it significant raised it (`by`, left out by the
        # engine): neither is told of it.
        author_id = event.subject.author_id if event.level == 0 else None
        school = event.school
        posts = []
        for audience in audiences:
            role = AUDIENCE_ROLES[audience]
            if audience == SPILLOVER:
                posts.append(post_q(role, psa=school.psa_id) & ~Q(school=school))
            else:
                posts.append(post_q(role, school=school))
        holders = post_holders_by_role(posts)
        return {a: sorted(set(holders.get(AUDIENCE_ROLES[a], ())) - {author_id}) for a in audiences}

    def load_subjects(self, model, ids) -> dict[int, Incident]:
        return Incident.objects.select_related("school__psa__district", "category").in_bulk(list(ids))

    def may_open(self, user, subject) -> bool:
        return can_see(user, subject, school_perms(user, subject.school))

    def annotate_many(self, user, notifications) -> None:
        # The same rule as may_open, with the user's schools read once per request (the one query
        # the home page's incident panels share), not per row. `significant_only` leaves out the
        # schools also in `view`: can_see asks for SIGNIFICANT only when VIEW is missing.
        view, significant_only = held_school_ids(user)
        for n in notifications:
            school_id = n.subject.school_id
            perms = {p for p, ids in ((VIEW, view), (SIGNIFICANT, significant_only)) if school_id in ids}
            n.may_open = can_see(user, n.subject, perms)

    def url(self, subject) -> str:
        return reverse("incidents:detail", args=[subject.pk])

    def happened_at(self, subject):
        return subject.significant_at or subject.submitted_at

    def render(self, notification) -> dict:
        incident = notification.subject
        school = incident.school
        what = f"{incident.category.name} at {school.name}"
        when = timezone.localtime(incident.occurred_at)
        spillover = notification.audience == SPILLOVER
        if notification.event.level:
            headline, tag = f"Escalated, not yet acknowledged: {what}", "Escalation"
            why = "No one below you acknowledged it in time."
            note = "This alert has not been acknowledged by the sergeants in time and is escalated to you."
        elif spillover:
            headline, tag = f"Spillover warning: {what}, a school in your PSA", "Spillover warning"
            why = f"SROs at the other schools in {school.psa} hear of it, to watch for spillover at theirs."
            note = "This is a spillover warning for your school. It gives no student details."
        else:
            headline, tag = f"Significant incident: {what}", "Significant"
            why = self.audiences.get(notification.audience, notification.audience)
            note = ""
        return {
            "headline": headline,
            "title": what,
            "tag": tag,
            "urgent": not spillover,
            "why": why,
            "note": note,
            "facts": [
                ("What", str(incident.category)),
                ("Where", f"{school.name} ({school.psa}), {incident.get_location_display().lower()}"),
                ("When", when.strftime("%m/%d/%Y %H:%M")),
            ],
            # Shown in the inbox only to a recipient who may open the incident; never sent out.
            # Only the rule's reason: an officer's reason is free text, and a district or watch
            # commander may open the incident without student access (need-to-know, issue 11).
            "private_facts": [("Why significant", incident.significant_reason)]
            if incident.significant_reason and incident.significance_source == "rule"
            else [],
            "open_label": f"Open {incident.report_number}",
            "closed": "You do not have access to this incident's record: it is at a school outside your "
            "assignment. This warning gives the facts you need to watch for spillover at your school, "
            "without student details; your sergeant has the full record.",
            "sms": f"SSD: {headline} ({when:%m/%d %H:%M}). Acknowledge in the SSD inbox.",
        }


class _ReviewOutcome(NotificationKind):
    """The author hears at once how the review went. The subject is the review's StatusChange, so
    each return or approval is its own notification and shows its own comment (in the inbox only:
    a comment is free text, so it never goes out by email or SMS)."""

    audiences = {"author": "The officer who wrote the report"}
    default_routes = [("author", "in_app")]
    subject_models = ("incidents.statuschange",)
    after = ("incidents.significant",)
    verb = ""
    tag = ""

    def recipients(self, event, audiences: set[str]) -> dict[str, list[int]]:
        return {"author": [event.subject.incident.author_id]} if "author" in audiences else {}

    def load_subjects(self, model, ids):
        return model._default_manager.select_related("incident__school__psa", "incident__category", "by").in_bulk(
            list(ids)
        )

    def may_open(self, user, subject) -> bool:
        incident = subject.incident
        return can_see(user, incident, school_perms(user, incident.school))

    def url(self, subject) -> str:
        return reverse("incidents:detail", args=[subject.incident_id])

    def happened_at(self, subject):
        return subject.at

    def render(self, notification) -> dict:
        change = notification.subject
        incident = change.incident
        who = change.by.get_full_name() or change.by.get_username()
        headline = f"{self.verb}: {incident.report_number}, {incident.category.name} at {incident.school.name}"
        return {
            "headline": headline,
            "title": headline,
            "tag": self.tag,
            "facts": [("Reviewed by", who), ("When", timezone.localtime(change.at).strftime("%m/%d/%Y %H:%M"))],
            "private_facts": [("Comment", change.comment)] if change.comment else [],
            "open_label": f"Open {incident.report_number}",
            "sms": f"SSD: {headline}.",
        }


class IncidentReturned(_ReviewOutcome):
    key = "incidents.returned"
    label = "Report returned for correction"
    verb = "Returned for correction"
    tag = "Returned"


class IncidentApproved(_ReviewOutcome):
    key = "incidents.approved"
    label = "Report approved"
    verb = "Approved"
    tag = "Approved"


class BreakGlassOpening(NotificationKind):
    """Someone without student access at the school opened an incident's full record by stating a
    reason. The district's sergeants and the division admin hear of it; the reason itself is read on
    /audit/break-glass/, never in the message (it may quote the record)."""

    key = "incidents.break_glass"
    label = "Incident record opened (break the glass)"
    audiences = {
        "sergeant": "Sergeants of the school's district",
        "division_admin": "Division admin",
    }
    default_routes = [
        ("sergeant", "in_app"),
        ("sergeant", "email"),
        ("division_admin", "in_app"),
        ("division_admin", "email"),
    ]
    after = ("incidents.significant",)

    def recipients(self, event, audiences: set[str]) -> dict[str, list[int]]:
        roles = {"sergeant": Role.SERGEANT, "division_admin": Role.DIVISION_ADMIN}
        holders = post_holders_by_role([post_q(roles[a], school=event.school) for a in audiences])
        return {a: sorted(holders.get(roles[a], ())) for a in audiences}

    def load_subjects(self, model, ids) -> dict[int, Incident]:
        return Incident.objects.select_related("school__psa__district", "category").in_bulk(list(ids))

    def may_open(self, user, subject) -> bool:
        return can_see(user, subject, school_perms(user, subject.school))

    def url(self, subject) -> str:
        return reverse("incidents:detail", args=[subject.pk])

    def render(self, notification) -> dict:
        incident = notification.subject
        by = notification.event.by
        who = (by.get_full_name() or by.get_username()) if by is not None else "Someone"
        what = f"{incident.report_number} ({incident.category.name} at {incident.school.name})"
        headline = f"{who} opened the full record of {what} (break the glass)"
        return {
            "headline": headline,
            "title": f"Break the glass: {incident.report_number}",
            "tag": "Break the glass",
            "why": self.audiences.get(notification.audience, notification.audience),
            "note": "The stated reason is in the break-the-glass review (Audit, Break the glass).",
            "facts": [
                ("Who", who),
                ("Incident", f"{incident.report_number}, {incident.category.name}"),
                ("School", f"{incident.school.name} ({incident.school.psa})"),
                ("When", timezone.localtime(notification.event.created_at).strftime("%m/%d/%Y %H:%M")),
            ],
            "open_label": f"Open {incident.report_number}",
            "sms": f"SSD: {incident.report_number} record opened by break the glass.",
        }


class _Proposal(NotificationKind):
    """A proposal that an incident is significant (incidents.SignificanceProposal) is the subject:
    each proposal, and each decision, is its own notification. The reason is free text: shown in the
    inbox to a recipient who may open the incident, never sent by email or SMS."""

    subject_models = ("incidents.significanceproposal",)
    after = ("incidents.significant",)

    def load_subjects(self, model, ids):
        return model._default_manager.select_related(
            "incident__school__psa", "incident__category", "proposed_by", "decided_by"
        ).in_bulk(list(ids))

    def may_open(self, user, subject) -> bool:
        incident = subject.incident
        return can_see(user, incident, school_perms(user, incident.school))

    def url(self, subject) -> str:
        return reverse("incidents:detail", args=[subject.incident_id]) + "#significance"

    @staticmethod
    def _who(user) -> str:
        return (user.get_full_name() or user.get_username()) if user is not None else "Someone"


class SignificanceProposed(_Proposal):
    key = "incidents.significance_proposed"
    label = "Incident proposed significant by an officer"
    audiences = {"sergeant": "Sergeants of the school's district"}
    default_routes = [("sergeant", "in_app"), ("sergeant", "email")]

    def recipients(self, event, audiences: set[str]) -> dict[str, list[int]]:
        if "sergeant" not in audiences:
            return {}
        holders = post_holders_by_role([post_q(Role.SERGEANT, school=event.school)])
        return {"sergeant": sorted(holders.get(Role.SERGEANT, ()))}

    def happened_at(self, subject):
        return subject.proposed_at

    def render(self, notification) -> dict:
        proposal = notification.subject
        incident = proposal.incident
        what = f"{incident.report_number}, {incident.category.name} at {incident.school.name}"
        headline = f"Proposed significant: {what}"
        return {
            "headline": headline,
            "title": headline,
            "tag": "Significance proposed",
            "why": self.audiences["sergeant"],
            "note": "Accept it (the chain of command is then told) or decline it with a reason, on the record.",
            "facts": [
                ("Proposed by", self._who(proposal.proposed_by)),
                ("When", timezone.localtime(proposal.proposed_at).strftime("%m/%d/%Y %H:%M")),
            ],
            "private_facts": [("Reason", proposal.reason)],
            "open_label": f"Open {incident.report_number}",
            "sms": f"SSD: {headline}. Decide in the SSD inbox.",
        }


class SignificanceDeclined(_Proposal):
    key = "incidents.significance_declined"
    label = "Significance proposal declined"
    audiences = {"proposer": "The officer who proposed it"}
    default_routes = [("proposer", "in_app")]

    def recipients(self, event, audiences: set[str]) -> dict[str, list[int]]:
        return {"proposer": [event.subject.proposed_by_id]} if "proposer" in audiences else {}

    def happened_at(self, subject):
        return subject.decided_at

    def render(self, notification) -> dict:
        proposal = notification.subject
        incident = proposal.incident
        what = f"{incident.report_number}, {incident.category.name} at {incident.school.name}"
        headline = f"Not marked significant: {what}"
        return {
            "headline": headline,
            "title": headline,
            "tag": "Proposal declined",
            "facts": [
                ("Declined by", self._who(proposal.decided_by)),
                ("When", timezone.localtime(proposal.decided_at).strftime("%m/%d/%Y %H:%M")),
            ],
            "private_facts": [("Your reason", proposal.reason), ("Why declined", proposal.decision_comment)],
            "open_label": f"Open {incident.report_number}",
            "sms": f"SSD: {headline}.",
        }


def register() -> None:
    register_kind(SignificantIncident())
    register_kind(IncidentReturned())
    register_kind(IncidentApproved())
    register_kind(BreakGlassOpening())
    register_kind(SignificanceProposed())
    register_kind(SignificanceDeclined())
