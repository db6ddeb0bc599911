"""The reports' reads: the incidents rollup through `incidents.selectors` (scoped exactly as the
incident list), and a small section from each app that has one (visits, safety plans, the guard
contract), through that app's own selectors and access rule. The page costs a constant number of
queries, whatever the number of incidents, schools or months."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.utils import timezone

from incidents.models import IncidentCategory
from incidents.selectors import (
    ReportFilters,
    ReportScope,
    own_drafts,
    report_counts,
    report_followups,
    report_scope,
    report_scope_with_school_values,
    report_significant,
    report_timings,
)
from schools.models import Area, PoliceDistrict, School

__all__ = ["ReportFilters", "ReportScope", "report_scope", "default_range", "months_between", "incident_report"]


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last 12 months: from the first day of the month 11 months back, to today."""
    today = today or timezone.localdate()
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 1), today


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day)
        day = (day + dt.timedelta(days=calendar.monthrange(day.year, day.month)[1])).replace(day=1)
    return out


@dataclass(frozen=True, slots=True)
class ReportSchool:
    """A school as the report shows it (its table, map, filter and CSVs): values, not a model object."""

    pk: int
    name: str
    latitude: Decimal
    longitude: Decimal
    district_id: int | None

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ReportPlaces:
    """The schools of the user's report scope (by name) and their districts (with their areas)."""

    schools: list[ReportSchool]
    districts: dict[int, PoliceDistrict]

    @property
    def areas(self) -> dict[int, Area]:
        return {d.area_id: d.area for d in self.districts.values() if d.area_id}


SCHOOL_FIELDS = ("pk", "name", "latitude", "longitude", "psa__district_id")


def scope_and_schools(*, user) -> tuple[ReportScope, ReportPlaces]:
    """The user's report scope, its schools and their districts (two queries)."""
    scope, rows = report_scope_with_school_values(user=user, fields=SCHOOL_FIELDS)
    schools = [ReportSchool(*row) for row in rows]
    ids = {s.district_id for s in schools}
    districts = {d.pk: d for d in PoliceDistrict.objects.select_related("area").filter(pk__in=ids)} if ids else {}
    return scope, ReportPlaces(schools=schools, districts=districts)


def all_categories() -> dict[int, IncidentCategory]:
    return {c.pk: c for c in IncidentCategory.objects.only("id", "code", "name", "kind").order_by("name")}


@dataclass
class IncidentReport:
    filters: ReportFilters
    months: list[dt.date]
    schools: dict[int, ReportSchool]
    districts: dict[int, PoliceDistrict]
    areas: dict[int, Area]
    categories: dict[int, IncidentCategory]
    # (month, district_id, category_id, significant) -> n
    cells: dict[tuple, int]
    by_school: dict[int, int]
    by_school_significant: dict[int, int]
    timings: dict[str, dict] = field(default_factory=dict)
    followups: dict[str, int] = field(default_factory=dict)
    significant: list = field(default_factory=list)

    @cached_property
    def _marginals(self) -> dict[str, dict]:
        """Totals [all, significant] by month, district and category, in one pass over the cells
        (~11,000 of them for the commander's 12 months)."""
        months: dict = {m: [0, 0] for m in self.months}
        districts: dict = {d: [0, 0] for d in self.districts}
        categories: dict = {}
        total = [0, 0]
        for (month, district, category, sig), n in self.cells.items():
            s = n if sig else 0
            for table, key in ((months, month), (districts, district), (categories, category)):
                row = table.get(key)
                if row is None:
                    row = table[key] = [0, 0]
                row[0] += n
                row[1] += s
            total[0] += n
            total[1] += s
        return {"month": months, "district": districts, "category": categories, "total": total}

    @property
    def total(self) -> int:
        return self._marginals["total"][0]

    @property
    def significant_total(self) -> int:
        return self._marginals["total"][1]

    def by_month(self) -> list[tuple[dt.date, int, int]]:
        return [(m, t, s) for m, (t, s) in sorted(self._marginals["month"].items())]

    def by_district(self) -> list[tuple[str, int, int]]:
        return [
            (self.district_label(d), t, s)
            for d, (t, s) in sorted(self._marginals["district"].items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
        ]

    def by_area(self) -> list[tuple[str, int, int]]:
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for area in self.areas.values():
            totals[str(area)]
        labels = {pk: str(d.area) if d.area is not None else "No area" for pk, d in self.districts.items()}
        for district, (t, s) in self._marginals["district"].items():
            label = labels.get(district, "No area")
            totals[label][0] += t
            totals[label][1] += s
        return [(label, t, s) for label, (t, s) in sorted(totals.items())]

    def by_category(self) -> list[tuple[str, int, int]]:
        rows = [(self.category_label(c), t, s) for c, (t, s) in self._marginals["category"].items()]
        return sorted(rows, key=lambda r: (-r[1], r[0]))

    def month_district_category(self) -> list[tuple[str, str, str, int]]:
        """The CSV of the stable interface: month, district, category, count."""
        totals: dict[tuple, int] = defaultdict(int)
        for (month, district, category, _), n in self.cells.items():
            totals[(month, district, category)] += n
        rows = [
            (f"{m:%Y-%m}", self.district_label(d), self.category_label(c), n) for (m, d, c), n in totals.items() if n
        ]
        return sorted(rows)

    def schools_rows(self) -> list[dict]:
        days = (self.filters.date_to - self.filters.date_from).days + 1
        rows = []
        for school in self.schools.values():
            n = self.by_school.get(school.pk, 0)
            rows.append(
                {
                    "school": school,
                    "district": self.district_label(school.district_id),
                    "count": n,
                    "significant": self.by_school_significant.get(school.pk, 0),
                    # Incidents per 30 days over the range: comparable whatever the range's length.
                    "rate": round(n * 30 / days, 2),
                }
            )
        return sorted(rows, key=lambda r: (-r["count"], r["school"].name))

    def district_label(self, district_id) -> str:
        d = self.districts.get(district_id)
        return d.code if d is not None else "No district"

    def category_label(self, category_id) -> str:
        c = self.categories.get(category_id)
        return str(c) if c is not None else f"Category {category_id}"


REPORT_PARTS = frozenset({"cells", "schools"})


def incident_report(
    *,
    scope: ReportScope,
    filters: ReportFilters,
    places: ReportPlaces,
    categories: dict[int, IncidentCategory],
    parts: frozenset[str] = REPORT_PARTS,
) -> IncidentReport:
    """The counts of the report from the rollups, and the user's own drafts (one query): `parts`
    "cells" (month x district x category x significance: the page's charts and tables) and
    "schools" (per school: the map and the table of schools, a section of its own on the page)."""
    drafts = own_drafts(scope=scope, filters=filters)
    cells = (
        report_counts(scope=scope, filters=filters, by=("month", "district", "category", "significant"), drafts=drafts)
        if "cells" in parts
        else {}
    )
    per_school = (
        report_counts(scope=scope, filters=filters, by=("school", "significant"), drafts=drafts)
        if "schools" in parts
        else {}
    )
    by_school: dict[int, int] = defaultdict(int)
    by_school_sig: dict[int, int] = defaultdict(int)
    for (school, sig), n in per_school.items():
        by_school[school] += n
        if sig:
            by_school_sig[school] += n
    return IncidentReport(
        filters=filters,
        months=months_between(filters.date_from, filters.date_to),
        schools={s.pk: s for s in places.schools},
        districts=places.districts,
        areas=places.areas,
        categories=categories,
        cells=cells,
        by_school=dict(by_school),
        by_school_significant=dict(by_school_sig),
    )


def add_details(report: IncidentReport, scope: ReportScope) -> IncidentReport:
    """The figures read from the incidents themselves (not the rollups), for the CSVs and the PDF:
    the review and closure times, the follow-ups by state, the significant incidents. The page shows
    them in its sections (`reports.views.section`)."""
    report.timings = report_timings(scope=scope, filters=report.filters)
    report.followups = report_followups(scope=scope, filters=report.filters)
    report.significant = report_significant(scope=scope, filters=report.filters)
    return report


# --- the other apps' sections (each through its own selectors and access rule) --------------------


def visits_section(*, user, roles: frozenset[str], today: dt.date | None = None) -> dict | None:
    """Visit coverage: the schools of the user's visit scope, how many are overdue or never visited,
    the ten most overdue (`visits.selectors.coverage_summary`: counts from tuples, not objects).
    `roles`: the user's roles, already read for the page (visits' rule is by role)."""
    from visits.permissions import SEE_ROLES, scope_school_ids
    from visits.selectors import coverage_summary

    if not roles & SEE_ROLES:
        return None
    summary = coverage_summary(School.objects.filter(pk__in=scope_school_ids(user)), today=today, worst=10)
    return {
        "schools": summary.schools,
        "overdue": summary.overdue,
        "never": summary.never,
        "covered": summary.covered,
        "worst": summary.worst,
    }


def plans_section(*, user, today: dt.date | None = None) -> dict | None:
    """Safety plans: the schools with an SRO in the user's plan scope, by where their plan stands
    (counted in SQL by `safetyplans.selectors.plan_summary`)."""
    from safetyplans.deadlines import LABELS
    from safetyplans.selectors import plan_summary

    summary = plan_summary(user=user, today=today or timezone.localdate())
    if not summary.schools:
        return None
    return {
        "schools": summary.schools,
        "year": summary.school_year,
        "states": sorted((LABELS[state], n) for state, n in summary.counts.items() if n),
    }


def contracts_section(*, user, roles: frozenset[str], schools: dict[int, School]) -> dict | None:
    """Guard contract compliance: open and overdue discrepancies at the user's schools, through the
    contracts app's rule (`visible_q` inside `school_summary`): the inspectors, directors and the
    commander (a reader) have a contract scope. `schools`: the report's schools (a superset is safe)."""
    from contracts.permissions import MPD_CONTRACT_ROLES, Actor
    from contracts.selectors import school_summary

    if not roles & MPD_CONTRACT_ROLES or not schools:
        return None
    summary = school_summary(actor=Actor(user), school_ids=list(schools))
    rows = sorted(
        (
            {"school": schools[k].name if k in schools else f"School {k}", "open": v["open"], "overdue": v["overdue"]}
            for k, v in summary.items()
        ),
        key=lambda r: (-r["overdue"], -r["open"], r["school"]),
    )
    return {
        "schools": len(schools),
        "open": sum(r["open"] for r in rows),
        "overdue": sum(r["overdue"] for r in rows),
        "with_open": len(rows),
        "rows": rows[:10],
    }
