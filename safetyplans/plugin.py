"""How safetyplans plugs in (docs/plugins.md): its school permissions and role grants, its
notification kinds, its page panels and its demo seed step. Imported once from
`SafetyPlansConfig.ready()`; nothing here runs on import of any other module."""

from __future__ import annotations

from django.urls import reverse

from notifications.registry import NotificationKind, register_kind
from personnel.models import Officer
from personnel.scope import register_school_perms
from personnel.selectors import post_holders
from schools.models import School
from ssd.panels import DigestLine, Panel, register_panel
from ssd.seed import register_seed_step

from . import panels
from . import permissions as P
from .deadlines import due_date, plan_year
from .models import SafetyPlan, school_year_label
from .reminders import PLAN_DUE, PLAN_OVERDUE, TRAINING_EXPIRING


def _school_of(subject) -> School | None:
    if isinstance(subject, SafetyPlan):
        return subject.school
    if isinstance(subject, School):
        return subject
    return None


class _PlanKind(NotificationKind):
    """A school's plan for the current plan year (the subject is the plan, or the school when it has
    none). Opening it needs the plan permission on the school (safetyplans.permissions)."""

    def may_open(self, user, subject) -> bool:
        school = _school_of(subject)
        return school is not None and P.VIEW in P.school_perms(user, school)

    def url(self, subject) -> str:
        school = _school_of(subject)
        return reverse("safetyplans:current", kwargs={"school_id": school.pk}) if school else ""

    def _facts(self, notification) -> tuple[str, list[tuple[str, str]]]:
        event = notification.event
        school = event.school
        subject = notification.subject  # loaded by the engine (notifications.selectors.attach_subjects)
        year = subject.school_year if isinstance(subject, SafetyPlan) else plan_year(event.created_at.date())
        status = subject.get_status_display() if isinstance(subject, SafetyPlan) else "Not started"
        facts = [
            ("School", str(school)),
            ("School year", school_year_label(year)),
            ("Due", f"{due_date(year):%m/%d/%Y}"),
            ("Plan", status),
        ]
        return str(school), facts


class PlanDue(_PlanKind):
    key = PLAN_DUE
    label = "Safety plan due or overdue (to the school's SRO)"
    audiences = {"sro": "The school's SRO"}
    default_routes = [("sro", "in_app"), ("sro", "email")]
    needs_ack = False

    def recipients(self, event, audiences: set[str]) -> dict[str, list[int]]:
        if "sro" not in audiences or event.school is None:
            return {}
        return {"sro": list(post_holders("sro", school=event.school))}

    def render(self, notification) -> dict:
        school, facts = self._facts(notification)
        headline = f"Safety plan due: {school}"
        return {"headline": headline, "facts": facts, "sms": f"SSD: safety plan due for {school}."}


class PlanOverdue(_PlanKind):
    key = PLAN_OVERDUE
    label = "Safety plan overdue (to the district's sergeant)"
    audiences = {"sergeant": "Sergeants of the school's district"}
    default_routes = [("sergeant", "in_app"), ("sergeant", "email")]
    needs_ack = False

    def recipients(self, event, audiences: set[str]) -> dict[str, list[int]]:
        if "sergeant" not in audiences or event.school is None:
            return {}
        return {"sergeant": list(post_holders("sergeant", school=event.school))}

    def render(self, notification) -> dict:
        school, facts = self._facts(notification)
        return {
            "headline": f"Safety plan overdue: {school}",
            "facts": facts,
            "sms": f"SSD: safety plan overdue for {school}.",
        }


class TrainingExpiring(NotificationKind):
    """An SRO's qualifying training expires within 60 days or has lapsed. Names never leave the
    system: the notice says which school's SRO, and the SRO and their sergeant open /training/."""

    key = TRAINING_EXPIRING
    label = "SRO training expiring or lapsed"
    audiences = {"sro": "The SRO", "sergeant": "Sergeants of the SRO's district"}
    default_routes = [("sro", "in_app"), ("sro", "email"), ("sergeant", "in_app")]
    needs_ack = False

    def recipients(self, event, audiences: set[str]) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        if "sro" in audiences:
            officer = Officer.objects.filter(pk=event.subject_id).values_list("user_id", flat=True).first()
            out["sro"] = [officer] if officer else []
        if "sergeant" in audiences and event.school is not None:
            out["sergeant"] = list(post_holders("sergeant", school=event.school))
        return out

    def render(self, notification) -> dict:
        school = notification.event.school
        return {
            "headline": f"SRO training expiring or lapsed: {school}",
            "facts": [("School", str(school)), ("What to do", "Book School Safety Division training")],
            "sms": f"SSD: SRO training at {school} expiring or lapsed.",
        }

    def may_open(self, user, subject) -> bool:
        return user.is_authenticated

    def url(self, subject) -> str:
        return reverse("training:list")


def plan_alerts_digest(ctx: dict) -> list[DigestLine]:
    board = reverse("safetyplans:board")
    if not ctx["total"]:
        due = f"{ctx['due_on']:%m/%d/%Y}"
        return [DigestLine(f"Every plan in your scope is approved or not yet due (due {due}).", board)]
    return [
        DigestLine(f"{label}: {n}", f"{board}?state={state}")
        for state, label, n in sorted(ctx["by_state"], key=lambda s: s[1])
    ]


def register() -> None:
    register_school_perms(app="safetyplans", perms=P.SCHOOL_PERMS, grants=P.GRANTS)
    for kind in (PlanDue(), PlanOverdue(), TrainingExpiring()):
        register_kind(kind)
    register_panel(
        Panel(
            key="safetyplans.plan_alerts",
            slot="home",
            title="Safety plans due, overdue or missing",
            template="safetyplans/panels/plan_alerts.html",
            context=panels.home_plan_alerts,
            order=40,
            digest=plan_alerts_digest,
            defer=True,
            roles=panels.PLAN_ROLES,
        )
    )
    register_panel(
        Panel(
            key="safetyplans.training_alerts",
            slot="home",
            title="SRO training expiring within 60 days",
            template="safetyplans/panels/training_alerts.html",
            context=panels.home_training_alerts,
            order=45,
            defer=True,
            roles=panels.TRAINING_ROLES,
        )
    )
    register_panel(
        Panel(
            key="safetyplans.school_plan",
            slot="school",
            title="Safety plan",
            template="safetyplans/panels/school_plan.html",
            context=panels.school_plan,
            order=40,
        )
    )
    register_panel(
        Panel(
            key="safetyplans.school_programs",
            slot="school",
            title="Violence-prevention programs",
            template="safetyplans/panels/school_programs.html",
            context=panels.school_programs,
            order=45,
        )
    )
    register_panel(
        Panel(
            key="safetyplans.school_sro_training",
            slot="school",
            title="SRO training",
            template="safetyplans/panels/school_sro_training.html",
            context=panels.school_sro_training,
            order=35,
        )
    )
    from .demo import seed_safetyplans

    register_seed_step("safetyplans.demo", after=("personnel.assignments",), before=("notifications.demo",))(
        seed_safetyplans
    )
