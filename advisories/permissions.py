"""Who may send, see and follow an advisory: the one statement of it.

- Send: `send_school_advisories` on every chosen school (sergeants: their districts; lieutenants:
  their area; district and watch commanders: their district; the commander: everywhere). SROs never.
- See: its recipients, its sender, and the chain of command over any of its schools (anyone who
  could have sent it to one of them).
- Follow (who read, who acknowledged; remind; post an update): its sender and that chain.

Out of scope → 404 (the same as no such advisory); in scope but not allowed → 403; both audited.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from personnel.models import Role
from schools.permissions import holds_on_school
from schools.selectors import school_ids
from ssd.audit.services import deny_forbidden, deny_not_found

from .models import Advisory, Recipient

SEND = "send_school_advisories"
# The posts granted SEND on the schools of their scope (advisories.apps registers the grants).
SENDER_ROLES = frozenset(
    {Role.SERGEANT, Role.LIEUTENANT, Role.COMMANDER, Role.DISTRICT_COMMANDER, Role.WATCH_COMMANDER}
)

SEE = "see"
FOLLOW = "follow"
ACKNOWLEDGE = "acknowledge"


def sendable_school_ids(user):
    return school_ids(user=user, perm=SEND)


def may_send(user) -> bool:
    return user.is_authenticated and sendable_school_ids(user).exists()


def may_send_at(user, school) -> bool:
    """Sending to `school` is sending somewhere: from the request's memo of the school's
    permissions, no query on a page that has read them (the school page's crime section)."""
    return holds_on_school(user, school, SEND)


def chain_q(user) -> Q:
    """Advisories to at least one school the user could send to."""
    return Q(
        pk__in=Advisory.schools.through.objects.filter(school_id__in=sendable_school_ids(user)).values("advisory_id")
    )


def visible_q(user) -> Q:
    return Q(sender=user) | Q(Exists(Recipient.objects.filter(advisory=OuterRef("pk"), user=user))) | chain_q(user)


def capabilities(user, advisory: Advisory) -> frozenset[str]:
    caps: set[str] = set()
    recipient = advisory.recipients.filter(user=user).exists()
    chain = advisory.sender_id == user.pk or Advisory.objects.filter(chain_q(user), pk=advisory.pk).exists()
    if recipient or chain:
        caps.add(SEE)
    if chain:
        caps.add(FOLLOW)
    if recipient:
        caps.add(ACKNOWLEDGE)
    return frozenset(caps)


def can_see(user, advisory: Advisory) -> bool:
    return SEE in capabilities(user, advisory)


def get_advisory_for_user(user, pk: int, *, need: str = SEE) -> Advisory:
    advisory = Advisory.objects.select_related("sender", "source_type").filter(pk=pk).first()
    caps = capabilities(user, advisory) if advisory is not None and user.is_authenticated else frozenset()
    if advisory is None or SEE not in caps:
        raise deny_not_found(user, f"advisories.advisory {pk}", message="No such advisory.")
    if need not in caps:
        raise deny_forbidden(
            user, f"needs {need}", obj=advisory, message="Only its sender and their chain may do that."
        )
    advisory.caps = caps
    return advisory


def require_sender(user) -> None:
    """/advisories/new/: 404 to who may see no school at all; 403 to SROs and others who may not send."""
    if not may_send(user):
        raise deny_forbidden(user, f"needs {SEND}", message="Only sergeants and the chain of command send advisories.")
