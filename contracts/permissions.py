"""Who may see and do what in the guard contract: the one statement of it. Services enforce it,
selectors filter by it, templates display the capabilities it returns, notification kinds reuse it.

Scope ("scope as everywhere"): contract roles (COTR, compliance monitor, Contract Monitoring Unit)
and the commander (who reads the contract's compliance division-wide and acts on nothing) every
school; SROs their school; sergeants their districts; lieutenants their area: all through the
`monitor_school_contract` permission personnel's scope grants on those schools. A contractor's
Cluster Supervisor (a `ContractorAccount`, not an MPD officer) reaches only the schools of the
clusters they supervise. Everyone else: nothing (404).

What each may do, at the schools in their scope:
- inspect a post, raise a discrepancy: SRO, sergeant, lieutenant, compliance monitor (+ COTR raises)
- correct a shift: the inspectors; record a shift: the Cluster Supervisor
- send to the contractor, reject a remedy, escalate a dispute: sergeant, lieutenant, compliance
  monitor, COTR, Contract Monitoring Unit
- verify and close a proposed remedy: sergeant, lieutenant, compliance monitor, COTR
- decide an escalated discrepancy (close, or send back to the contractor): COTR, CMU
- propose corrective action, dispute: the Cluster Supervisor of the school's cluster
- certify a month: the COTR
- read the monthly report: the contract roles and the commander (READERS, who only reads)
- publish a new version of a post's orders, assign a guard to a post: the COTR and the compliance
  monitor (they oversee the contract; everyone in scope reads the orders)
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest

from personnel.models import Role
from personnel.scope import roles_of
from schools.models import School
from schools.selectors import school_ids
from ssd.audit.services import deny_forbidden, deny_not_found
from ssd.request_cache import memo

from .models import Cluster, ContractorAccount, Discrepancy, DiscrepancyStatus, Inspection, Post

PERM = "monitor_school_contract"
CLUSTER_SUPERVISOR = "cluster_supervisor"

INSPECTORS = frozenset({Role.SRO, Role.SERGEANT, Role.LIEUTENANT, Role.COMPLIANCE_MONITOR})
RAISERS = INSPECTORS | {Role.COTR}
DIRECTORS = frozenset({Role.SERGEANT, Role.LIEUTENANT, Role.COMPLIANCE_MONITOR, Role.COTR, Role.CONTRACT_MONITORING})
VERIFIERS = frozenset({Role.SERGEANT, Role.LIEUTENANT, Role.COMPLIANCE_MONITOR, Role.COTR})
DECIDERS = frozenset({Role.COTR, Role.CONTRACT_MONITORING})
CERTIFIERS = frozenset({Role.COTR})
CONTRACT_WIDE = frozenset({Role.COTR, Role.COMPLIANCE_MONITOR, Role.CONTRACT_MONITORING})
# The commander reads the contract's compliance across the division (issue 16) and acts on nothing.
READERS = frozenset({Role.COMMANDER})
# Everyone whose MPD post gives a contract scope.
MPD_CONTRACT_ROLES = INSPECTORS | DIRECTORS | CONTRACT_WIDE | READERS
OVERSEERS = frozenset({Role.COTR, Role.COMPLIANCE_MONITOR})


class Actor:
    """Who the user is for the contract, computed once per request: MPD roles (with the schools
    their posts cover) and, for a contractor account, the clusters it supervises."""

    def __init__(self, user):
        self.user = user
        self.roles: frozenset[str] = frozenset(roles_of(user)) if user.is_authenticated else frozenset()
        self.account: ContractorAccount | None = None
        if user.is_authenticated and not self.roles:
            self.account = ContractorAccount.objects.filter(user=user, active=True).first()

    @property
    def is_supervisor(self) -> bool:
        return self.account is not None

    @property
    def is_mpd(self) -> bool:
        return bool(self.roles & MPD_CONTRACT_ROLES)

    @property
    def only_reads(self) -> bool:
        """A reader (the commander) with no contract post that acts: nothing waits on them."""
        return bool(self.roles & READERS) and not self.roles & (INSPECTORS | DIRECTORS | CONTRACT_WIDE)

    def role_label(self) -> str:
        return CLUSTER_SUPERVISOR if self.is_supervisor else ",".join(sorted(self.roles))


def actor_for(request_or_user) -> Actor:
    if isinstance(request_or_user, HttpRequest):
        cached = getattr(request_or_user, "_contracts_actor", None)
        if cached is None:
            cached = Actor(request_or_user.user)
            request_or_user._contracts_actor = cached
        return cached
    return Actor(request_or_user)


def _actor(user_or_actor) -> Actor:
    return user_or_actor if isinstance(user_or_actor, Actor) else Actor(user_or_actor)


def school_scope_q(user_or_actor, field: str = "pk") -> Q:
    """A Q on `field` (a school id) for the schools the user reaches for contract matters."""
    actor = _actor(user_or_actor)
    if actor.is_supervisor:
        return Q(
            **{
                f"{field}__in": Cluster.schools.through.objects.filter(cluster__supervisor=actor.account).values(
                    "school_id"
                )
            }
        )
    if not actor.is_mpd:
        return Q(pk__in=[])
    return Q(**{f"{field}__in": school_ids(user=actor.user, perm=PERM)})


def visible_q(user_or_actor, field: str = "school") -> Q:
    """Records that belong to a school (posts, inspections, discrepancies): visible if the school is."""
    return school_scope_q(user_or_actor, field=f"{field}_id" if field else "pk")


def scope_school_ids(user_or_actor) -> tuple[int, ...]:
    """The ids of the schools `school_scope_q` reaches, read once per request (ssd.request_cache):
    the overview and the home panels filter by them as a list, so the planner knows the scope's
    size, and no query repeats the permission subquery."""
    actor = _actor(user_or_actor)

    def read() -> tuple[int, ...]:
        if not (actor.is_supervisor or actor.is_mpd):
            return ()
        return tuple(School.objects.filter(school_scope_q(actor)).order_by("pk").values_list("pk", flat=True))

    if not actor.user.is_authenticated:
        return ()
    return memo(("contracts.scope_school_ids", actor.user.pk), read)


def in_scope_q(user_or_actor, field: str = "school") -> Q:
    """`visible_q` (the same rule) from the request's list of school ids (`scope_school_ids`)."""
    return Q(**{f"{field}_id__any_of" if field else "pk__any_of": scope_school_ids(user_or_actor)})


def schools_for(user_or_actor):
    return School.objects.filter(school_scope_q(user_or_actor))


def has_scope(user_or_actor) -> bool:
    return bool(scope_school_ids(user_or_actor))


def can_see(user_or_actor, obj) -> bool:
    school_id = obj.pk if isinstance(obj, School) else obj.school_id
    return School.objects.filter(school_scope_q(user_or_actor)).filter(pk=school_id).exists()


def capabilities(user_or_actor, obj=None) -> frozenset[str]:
    """What the user may do on `obj` (a discrepancy, a school or post, or None for the contract as a
    whole), assuming they can see it (callers check `can_see` first)."""
    actor = _actor(user_or_actor)
    roles = actor.roles
    caps: set[str] = set()
    if actor.is_supervisor:
        caps |= {"record_shift"}
    if roles & INSPECTORS:
        caps |= {"inspect", "correct_shift"}
    if roles & RAISERS:
        caps.add("raise")
    if roles & CERTIFIERS:
        caps.add("certify")
    if roles & OVERSEERS:
        caps |= {"publish_orders", "assign_guard"}
    if roles & (CONTRACT_WIDE | READERS) or actor.is_supervisor or roles & DIRECTORS:
        caps.add("report")
    if isinstance(obj, Discrepancy):
        status = obj.status
        if status == DiscrepancyStatus.OPEN and roles & DIRECTORS:
            caps.add("send")
        if status == DiscrepancyStatus.SENT and actor.is_supervisor:
            caps |= {"propose", "dispute"}
        if status == DiscrepancyStatus.PROPOSED:
            if roles & VERIFIERS:
                caps.add("verify")
            if roles & DIRECTORS:
                caps.add("reject")
        if status == DiscrepancyStatus.DISPUTED and roles & DIRECTORS:
            caps.add("escalate")
        if status == DiscrepancyStatus.ESCALATED and roles & DECIDERS:
            caps |= {"decide_close", "decide_return"}
    return frozenset(caps)


def _get(model, qs, user, pk: int, *, need: str | None, label: str):
    actor = _actor(user)
    obj = qs.filter(visible_q(actor)).filter(pk=pk).first()
    if obj is None:
        raise deny_not_found(
            user if not isinstance(user, Actor) else user.user, f"contracts.{label} {pk}", message=f"No such {label}."
        )
    caps = capabilities(actor, obj)
    if need and need not in caps:
        raise deny_forbidden(
            actor.user, f"needs {need}", obj=obj, message=f"You may not {need.replace('_', ' ')} here."
        )
    obj.user_caps = caps
    return obj


def get_discrepancy_for_user(user, pk: int, *, need: str | None = None) -> Discrepancy:
    qs = Discrepancy.objects.select_related(
        "school__psa__district", "post", "guard", "contract__contractor", "raised_by", "closed_by", "inspection"
    )
    return _get(Discrepancy, qs, user, pk, need=need, label="discrepancy")


def get_post_for_user(user, pk: int, *, need: str | None = None) -> Post:
    qs = Post.objects.select_related("school__psa__district", "contract__contractor")
    return _get(Post, qs, user, pk, need=need, label="post")


def get_inspection_for_user(user, pk: int, *, need: str | None = None) -> Inspection:
    qs = Inspection.objects.select_related("school", "post", "guard", "inspector")
    return _get(Inspection, qs, user, pk, need=need, label="inspection")


def get_school_for_user(user, pk: int, *, need: str | None = None) -> School:
    actor = _actor(user)
    school = School.objects.filter(school_scope_q(actor)).select_related("psa__district__area").filter(pk=pk).first()
    if school is None:
        raise deny_not_found(actor.user, f"contracts school {pk}", message="No such school.")
    caps = capabilities(actor, school)
    if need and need not in caps:
        raise deny_forbidden(
            actor.user, f"needs {need}", obj=school, message=f"You may not {need.replace('_', ' ')} here."
        )
    school.user_caps = caps
    return school


def require_scope(user_or_actor, *, need: str | None = None) -> Actor:
    """Pages not about one object: 404 to anyone with no contract scope at all (incident-only roles,
    the unassigned), 403 to one in scope who lacks `need`."""
    actor = _actor(user_or_actor)
    if not (actor.is_supervisor or actor.is_mpd) or not has_scope(actor):
        raise deny_not_found(actor.user, "contracts pages (no contract scope)", message="No such page.")
    if need and need not in capabilities(actor):
        raise deny_forbidden(actor.user, f"needs {need}", message=f"You may not {need.replace('_', ' ')}.")
    return actor
