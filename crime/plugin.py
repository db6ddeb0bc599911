"""How the crime app plugs into the core (docs/plugins.md): its school permission, panels,
notification kind and seed step. Imported by CrimeConfig.ready() once the layers have landed."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from notifications.registry import register_kind
from personnel.models import Role
from personnel.scope import register_school_perms
from ssd.panels import Panel, register_panel
from ssd.seed import SeedContext, register_seed_step

from .notify import SpilloverWatch
from .panels import SRO_WEEK_ROLES, TOP_SCHOOLS_ROLES, school_vicinity_panel, sro_week_panel, top_schools_panel
from .permissions import VICINITY_PERM

VICINITY_ROLES = (Role.SRO, Role.SERGEANT, Role.LIEUTENANT, Role.SROC, Role.COMMANDER, Role.DIVISION_ADMIN)
DEMO_FILE = Path(settings.BASE_DIR) / "crime" / "data" / "dc_crime_incidents_2025_jan_mar.csv.gz"


def register() -> None:
    register_school_perms(
        app="crime",
        perms={VICINITY_PERM: "Can see MPD's public crime data around the school"},
        grants={role: {VICINITY_PERM} for role in VICINITY_ROLES},
    )
    register_panel(
        Panel(
            key="crime.school_vicinity",
            slot="school",
            title="Crime within 1,000 ft",
            template="crime/panels/school_vicinity.html",
            context=school_vicinity_panel,
            order=60,
        )
    )
    register_panel(
        Panel(
            key="crime.sro_week",
            slot="home",
            title="Around your school this week",
            template="crime/panels/sro_week.html",
            context=sro_week_panel,
            order=60,
            defer=True,
            roles=SRO_WEEK_ROLES,
        )
    )
    register_panel(
        Panel(
            key="crime.top_schools",
            slot="home",
            title="Most violent crime near your schools",
            template="crime/panels/top_schools.html",
            context=top_schools_panel,
            order=61,
            defer=True,
            roles=TOP_SCHOOLS_ROLES,
        )
    )
    register_kind(SpilloverWatch())
    register_seed_step("crime.demo", after=("personnel.assignments",))(seed_crime)


def seed_crime(ctx: SeedContext) -> None:
    """The real 2025 file (Open Data DC, shipped compressed) unless crime data is already loaded:
    every SRO sees real incidents around their school on first start."""
    from .models import Crime
    from .services import crime_import_file

    if Crime.objects.exists():
        return
    report = crime_import_file(DEMO_FILE)
    ctx.count("crime incidents", report.added)
    ctx.log.append(report.summary())
