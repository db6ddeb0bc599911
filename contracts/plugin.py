"""How the guard contract plugs into the core (docs/plugins.md): its school permission and role
grants, the division admin's model permissions, its seed step, its home and school panels and its
notification kinds. `register()` is called once from `ContractsConfig.ready()`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from personnel.models import Role

SCHOOL_PERMS = {"monitor_school_contract": "Can see guard-contract matters at the school"}
# Scope as everywhere: contract roles and the commander every school; SROs their school; sergeants their districts;
# lieutenants their area (the Cluster Supervisor is not an MPD post: contracts.permissions).
ROLE_GRANTS = {
    role: {"monitor_school_contract"}
    for role in (
        Role.SRO,
        Role.SERGEANT,
        Role.LIEUTENANT,
        Role.COTR,
        Role.COMPLIANCE_MONITOR,
        Role.CONTRACT_MONITORING,
        Role.COMMANDER,  # reads only (contracts.permissions.READERS)
    )
}
ADMIN_PERMS = {
    "contracts.contractor": ("view", "add", "change"),
    "contracts.contractoraccount": ("view", "add", "change"),
    "contracts.contract": ("view", "add", "change"),
    "contracts.optionyear": ("view", "add", "change"),
    "contracts.deductionrate": ("view", "add", "change", "delete"),
    "contracts.cluster": ("view", "add", "change"),
    "contracts.clusterschool": ("view",),
    "contracts.post": ("view", "add", "change"),
    "contracts.guard": ("view", "add", "change"),
    # History, read-only in the admin (contracts/admin.py); written only through the pages' services.
    "contracts.postorder": ("view",),
    "contracts.postassignment": ("view",),
    "contracts.hoursadjustment": ("view",),
    "contracts.monthcertification": ("view",),
}


# --- Notification kinds ------------------------------------------------------------------------------------


def _kinds():
    from notifications.registry import NotificationKind
    from personnel.selectors import post_holders

    from .models import ClusterSchool, Discrepancy, Post
    from .permissions import can_see

    def supervisor_ids(school) -> list[int]:
        return list(
            ClusterSchool.objects.filter(school=school, cluster__supervisor__active=True)
            .values_list("cluster__supervisor__user_id", flat=True)
            .exclude(cluster__supervisor__isnull=True)
        )

    def holders(audience: str, school) -> list[int]:
        if audience == "cluster_supervisor":
            return supervisor_ids(school)
        role = {
            "sergeant": Role.SERGEANT,
            "lieutenant": Role.LIEUTENANT,
            "cotr": Role.COTR,
            "cmu": Role.CONTRACT_MONITORING,
        }[audience]
        return sorted(post_holders(role, school=school))

    class _ContractKind(NotificationKind):
        def recipients(self, event, audiences: set[str]) -> dict[str, list[int]]:
            return {a: holders(a, event.school) for a in audiences}

        def may_open(self, user, subject) -> bool:
            return can_see(user, subject)

    class DiscrepancyHigh(_ContractKind):
        key = "contracts.discrepancy_high"
        label = "High-severity guard discrepancy"
        audiences = {
            "sergeant": "Sergeants of the school's district",
            "cotr": "The COTR",
            "cluster_supervisor": "The contractor's Cluster Supervisor",
        }
        default_routes = [
            ("sergeant", "in_app"),
            ("sergeant", "email"),
            ("cotr", "in_app"),
            ("cotr", "email"),
            ("cluster_supervisor", "in_app"),
            ("cluster_supervisor", "email"),
        ]
        needs_ack = True
        ack_audiences = ("sergeant",)

        def load_subjects(self, model, ids):
            return Discrepancy.objects.select_related("school__psa__district", "post").in_bulk(list(ids))

        def url(self, subject) -> str:
            return reverse("contracts:discrepancy", args=[subject.pk])

        def render(self, notification) -> dict:
            d = notification.subject
            what = f"{d.get_type_display()} at {d.school.name}"
            return {
                "headline": f"High-severity guard discrepancy: {what}",
                "title": what,
                "tag": "Guard contract",
                "why": self.audiences.get(notification.audience, notification.audience),
                "facts": [
                    ("Discrepancy", d.number),
                    ("Where", f"{d.school.name}" + (f", {d.post.name}" if d.post_id else "")),
                    ("Due", d.due_on.strftime("%m/%d/%Y")),
                ],
                "sms": f"SSD: high-severity guard discrepancy {d.number} at {d.school.name}, due {d.due_on:%m/%d/%Y}",
                "open_label": f"Open discrepancy {d.number}",
            }

    class DiscrepancyOverdue(DiscrepancyHigh):
        key = "contracts.discrepancy_overdue"
        label = "Guard discrepancy past its due date"
        audiences = {"lieutenant": "The lieutenant of the area", "cmu": "The Contract Monitoring Unit"}
        default_routes = [("lieutenant", "in_app"), ("lieutenant", "email"), ("cmu", "in_app"), ("cmu", "email")]
        needs_ack = False
        ack_audiences = ()

        def render(self, notification) -> dict:
            out = super().render(notification)
            d = notification.subject
            out["headline"] = f"Past due, not remedied: {d.get_type_display()} at {d.school.name}"
            out["sms"] = f"SSD: guard discrepancy {d.number} at {d.school.name} is past due ({d.due_on:%m/%d/%Y})"
            out["why"] = self.audiences.get(notification.audience, notification.audience)
            return out

    class PostUnfilled(_ContractKind):
        key = "contracts.post_unfilled"
        label = "Guard post unfilled"
        audiences = DiscrepancyHigh.audiences
        default_routes = [
            ("sergeant", "in_app"),
            ("cotr", "in_app"),
            ("cluster_supervisor", "in_app"),
            ("cluster_supervisor", "sms"),
        ]
        needs_ack = False

        def load_subjects(self, model, ids):
            return Post.objects.select_related("school").in_bulk(list(ids))

        def url(self, subject) -> str:
            return reverse("contracts:school", args=[subject.school_id])

        def render(self, notification) -> dict:
            post = notification.subject
            when = (
                timezone.localtime(notification.event.created_at) if hasattr(notification.event, "created_at") else None
            )
            return {
                "headline": f"Guard post unfilled: {post.name} at {post.school.name}",
                "title": f"{post.name} at {post.school.name}",
                "tag": "Guard contract",
                "why": self.audiences.get(notification.audience, notification.audience),
                "facts": [
                    ("Post", post.name),
                    ("School", post.school.name),
                    ("Hours", f"{post.starts_at:%H:%M}-{post.ends_at:%H:%M}"),
                ]
                + ([("Noticed", when.strftime("%m/%d/%Y %H:%M"))] if when else []),
                "sms": f"SSD: guard post {post.name} at {post.school.name} unfilled "
                f"{settings.SSD_CONTRACT_UNFILLED_GRACE_MINUTES} min after {post.starts_at:%H:%M}",
                "open_label": "Open the school's guard services",
            }

    return [DiscrepancyHigh(), DiscrepancyOverdue(), PostUnfilled()]


# --- Panels ------------------------------------------------------------------------------------------------


def home_context(request, subject):
    from . import selectors
    from .permissions import actor_for, has_scope

    actor = actor_for(request)
    if not (actor.is_supervisor or actor.is_mpd) or actor.only_reads or not has_scope(actor):
        return None  # the commander, who acts on nothing, has the compliance panel instead
    queues, overdue = selectors.needs_me_counts(actor=actor)
    # Posts unfilled (nobody signed in after the grace) or short today, in the user's scope: counted
    # in the database, the first six listed (two queries).
    _, problem_count, problems = selectors.coverage_problems(
        actor=actor, day=timezone.localdate(), grace_minutes=settings.SSD_CONTRACT_UNFILLED_GRACE_MINUTES, limit=6
    )
    return {
        "queues": queues,
        "overdue": overdue,
        "is_supervisor": actor.is_supervisor,
        "problems": problems,
        "problem_count": problem_count,
    }


def compliance_context(request, subject):
    """The commander's guard-contract compliance at a glance (issue 16): last month's figures per
    contract (the certified ones as certified), the open discrepancies by district, and the guard
    posts unfilled or short today, division-wide. For the readers (contracts.permissions.READERS);
    the contract roles have the "what needs me" panel and the report itself."""
    from . import selectors
    from .models import Contract
    from .permissions import READERS, actor_for
    from .reporting import month_figures, previous_month

    actor = actor_for(request)
    if not actor.roles & READERS:
        return None
    today = timezone.localdate()
    month = previous_month(today)
    contracts = []
    # The contracts in force during the month (one, as a rule): each one's report is a dozen queries,
    # a certified month's figures one (its certification).
    in_force = (
        Contract.objects.filter(starts_on__lt=today.replace(day=1))
        .select_related("contractor")
        .prefetch_related("option_years")
        .order_by("number")
    )
    for contract in (c for c in in_force if c.period_ends_on() >= month):
        figures, certified = month_figures(contract=contract, month=month)
        hours = figures["hours"]
        required, delivered = Decimal(hours["required"]), Decimal(hours["delivered"])
        contracts.append(
            {
                "contract": contract,
                "required": required,
                "delivered": delivered,
                "rate": (delivered / required * 100).quantize(Decimal("0.1")) if required else None,
                "unfilled": hours["post_days_unfilled"],
                "short": hours["post_days_short"],
                "deductions": Decimal(figures["deductions"]["total"]),
                "certified": certified,
            }
        )
    districts = selectors.open_by_district(actor=actor)
    # Today's coverage, counted in the database (one query).
    post_count, problem_count, _ = selectors.coverage_problems(
        actor=actor, day=today, grace_minutes=settings.SSD_CONTRACT_UNFILLED_GRACE_MINUTES, limit=0
    )
    return {
        "month": month,
        "contracts": contracts,
        "districts": districts,
        "open": sum(d["open"] for d in districts),
        "overdue": sum(d["overdue"] for d in districts),
        "escalated": sum(d["escalated"] for d in districts),
        "problem_count": problem_count,
        "post_count": post_count,
    }


def home_digest(ctx: dict) -> list:
    from ssd.panels import DigestLine

    overview = reverse("contracts:overview")
    lines = [DigestLine(f"{ctx['overdue']} guard discrepancies past due.",
                        reverse("contracts:discrepancies") + "?overdue=on")]
    lines += [DigestLine(f"{label}: {n}", overview) for label, n in ctx["queues"]]
    lines.append(DigestLine(f"Guard posts unfilled or short today: {ctx['problem_count']}.", overview))
    return lines


def school_context(request, school):
    from schools.permissions import holds_on_school

    from . import selectors
    from .permissions import PERM, actor_for, can_see

    actor = actor_for(request)
    if actor.is_supervisor:
        visible = can_see(actor, school)
    else:  # an MPD post's contract scope is its permission on the school, which the page has read
        visible = actor.is_mpd and holds_on_school(actor.user, school, PERM)
    if not visible:
        return None
    # The panel names no guard: the posts without their assignments (one query fewer on the school page).
    posts = list(selectors.post_list(actor=actor, school=school, guards=False))
    coverage = selectors.coverage_on(
        posts=posts, day=timezone.localdate(), grace_minutes=settings.SSD_CONTRACT_UNFILLED_GRACE_MINUTES
    )
    summary = selectors.school_summary(actor=actor, school_ids=[school.pk]).get(school.pk, {})
    return {"coverage": coverage, "open": summary.get("open", 0), "overdue": summary.get("overdue", 0)}


def register() -> None:
    from notifications.registry import register_kind
    from personnel.scope import register_admin_perms, register_school_perms
    from ssd.audiences import SchoolAudience, register_school_audience
    from ssd.panels import Panel, register_panel
    from ssd.seed import register_seed_step

    from .demo import seed_contracts
    from .permissions import READERS

    register_school_perms(app="contracts", perms=SCHOOL_PERMS, grants=ROLE_GRANTS)
    register_admin_perms(ADMIN_PERMS, source="contracts")
    register_seed_step(
        "contracts.demo", after=("personnel.assignments", "incidents.demo"), before=("notifications.demo",)
    )(seed_contracts)
    register_panel(
        Panel(
            key="contracts.needs_me",
            slot="home",
            title="Guard contract: what needs me",
            template="contracts/panels/home.html",
            context=home_context,
            order=40,
            digest=home_digest,
            defer=True,
        )
    )
    register_panel(
        Panel(
            key="contracts.compliance",
            slot="home",
            title="Guard contract compliance",
            template="contracts/panels/compliance.html",
            context=compliance_context,
            order=41,
            defer=True,
            roles=READERS,
        )
    )
    register_panel(
        Panel(
            key="contracts.school_guard",
            slot="school",
            title="Guard services",
            template="contracts/panels/school.html",
            context=school_context,
            order=40,
        )
    )
    for kind in _kinds():
        register_kind(kind)
    # Advisories (or any app) can reach the contract security supervisors of chosen schools
    # without importing this app.
    register_school_audience(
        SchoolAudience(
            key="contracts.cluster_supervisors",
            label="Contract security supervisors",
            resolve=cluster_supervisors_by_school,
        )
    )


def cluster_supervisors_by_school(school_ids) -> dict[int, list[int]]:
    """{school id: [user ids]}: the active cluster supervisor of each school's cluster, one query."""
    from .models import ClusterSchool

    out: dict[int, list[int]] = {}
    rows = ClusterSchool.objects.filter(
        school_id__in=list(school_ids),
        cluster__supervisor__isnull=False,
        cluster__supervisor__active=True,
        cluster__supervisor__user__is_active=True,
    ).values_list("school_id", "cluster__supervisor__user_id")
    for school_id, user_id in rows:
        out.setdefault(school_id, []).append(user_id)
    return out
