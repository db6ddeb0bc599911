"""Reports: thin views over `reports.selectors`. Access: whoever sees incidents (the incident list's
rule, scoped the same way: the commander and division admin everything, a lieutenant their area, a
sergeant their districts, an SRO their school, district and watch commanders the significant
incidents of their district); contract roles and the unassigned get 404, as on the incident pages."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from personnel.selectors import user_roles
from ssd.audit.services import audit_record, deny_not_found
from ssd.exports import csv_response

from . import charts
from .forms import ReportForm
from .pdf import last_week, render_weekly_pdf, week_start
from .selectors import (
    REPORT_PARTS,
    ReportPlaces,
    ReportScope,
    add_details,
    all_categories,
    contracts_section,
    default_range,
    incident_report,
    plans_section,
    report_followups,
    report_significant,
    report_timings,
    scope_and_schools,
    visits_section,
)


def _scope(request: HttpRequest) -> tuple[ReportScope, ReportPlaces]:
    scope, places = scope_and_schools(user=request.user)
    if scope.empty:
        raise deny_not_found(request.user, "reports (no incident scope)", message="No such page.")
    return scope, places


def _report(request: HttpRequest, *, details: bool = True, parts: frozenset[str] = REPORT_PARTS):
    scope, places = _scope(request)
    categories = all_categories()
    form = ReportForm(request.GET, places=places, categories=categories, default=default_range())
    filters, valid = form.filters()
    report = incident_report(scope=scope, filters=filters, places=places, categories=categories, parts=parts)
    if details:
        add_details(report, scope)
    return form, filters, valid, report


def _query(filters) -> str:
    parts = [f"from={filters.date_from:%Y-%m-%d}", f"to={filters.date_to:%Y-%m-%d}"]
    for name in ("area", "district", "school", "category"):
        value = getattr(filters, name)
        if value:
            parts.append(f"{name}={value}")
    if filters.significant is not None:
        parts.append("significant=" + ("yes" if filters.significant else "no"))
    return "&".join(parts)


def _map_data(rows: list[dict]) -> dict:
    rates = sorted(r["rate"] for r in rows if r["count"])
    # Four classes by quartile of the schools with any incident (0 is a class of its own).
    cuts = [rates[int(len(rates) * q)] for q in (0.25, 0.5, 0.75)] if rates else [0, 0, 0]
    return {
        "boundaries": static("reports/dc-boundaries.json"),
        "tiles": settings.SSD_CRIME_TILE_URL,
        "attribution": settings.SSD_CRIME_TILE_ATTRIBUTION,
        "cuts": cuts,
        "schools": [
            [float(r["school"].latitude), float(r["school"].longitude), r["school"].name, r["count"], r["rate"],
             r["district"]]
            for r in rows
        ],
    }


def _fmt_span(value) -> str:
    if value is None:
        return "–"
    hours = value.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


@require_GET
@vary_on_headers("HX-Request")
def index(request: HttpRequest) -> HttpResponse:
    """The report's counts, charts and map. Its other sections (`SECTIONS`) are fetched by the page
    once it is there (htmx, each its own request, `section`); without JavaScript each is a link."""
    form, filters, valid, report = _report(request, details=False, parts=frozenset({"cells"}))
    month_rows = report.by_month()
    month_labels = [f"{m:%b %y}" for m, _, _ in month_rows]
    district_rows = report.by_district()
    first, last = f"{filters.date_from:%m/%d/%Y}", f"{filters.date_to:%m/%d/%Y}"
    context = {
        "form": form,
        "valid": valid,
        "problems": form.problems() if not valid else "",
        "filters": filters,
        "query": _query(filters),
        "report": report,
        "first": first,
        "last": last,
        "month_rows": month_rows,
        "district_rows": district_rows,
        "area_rows": report.by_area(),
        "category_rows": report.by_category(),
        "trend_chart": charts.line_chart(
            month_labels,
            [("All incidents", [t for _, t, _ in month_rows]), ("Significant", [s for _, _, s in month_rows])],
            title=f"Incidents by month, {first} to {last}",
            desc="Line chart of incidents per month, all and significant; the table beside it has the numbers. "
            + "; ".join(f"{lbl}: {t}" for lbl, (_, t, _) in zip(month_labels, month_rows, strict=True)),
        ),
        "district_chart": charts.bar_chart(
            [(label, t) for label, t, _ in district_rows],
            title=f"Incidents by police district, {first} to {last}",
            desc="Bar chart of incidents per district; the table beside it has the numbers. "
            + "; ".join(f"{label}: {t}" for label, t, _ in district_rows),
        ),
        "sections": SECTIONS,
        "week": last_week(),
    }
    template = "reports/index.html#report" if request.htmx else "reports/index.html"
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


# The sections the report page fetches after it has loaded: name -> what its link says.
SECTIONS = {
    "schools": "Schools by incident rate: the map and the table",
    "details": "Significant incidents and follow-ups",
    "times": "Review and closure times",
    "programs": "Visit coverage, safety plans and guard contract compliance",
}


def _schools(*, scope, filters, places, categories) -> dict:
    report = incident_report(
        scope=scope, filters=filters, places=places, categories=categories, parts=frozenset({"schools"})
    )
    school_rows = report.schools_rows()
    return {"school_rows": school_rows, "map": _map_data(school_rows)}


def _details(*, scope, filters, places, categories) -> dict:
    return {
        "significant": report_significant(scope=scope, filters=filters),
        "followups": report_followups(scope=scope, filters=filters),
    }


def _times(*, scope, filters, places, categories) -> dict:
    timings = report_timings(scope=scope, filters=filters)
    return {
        "timings": [
            (label, timings[key]["n"], _fmt_span(timings[key]["median"]), _fmt_span(timings[key]["p90"]))
            for key, label in (
                ("review", "First submission to latest review"),
                ("closure", "First submission to closure"),
            )
        ]
    }


def _programs(request: HttpRequest, places: ReportPlaces) -> dict:
    roles = user_roles(request)
    return {
        "visits": visits_section(user=request.user, roles=roles),
        "plans": plans_section(user=request.user),
        "contracts": contracts_section(user=request.user, roles=roles, schools={s.pk: s for s in places.schools}),
    }


# The sections read with the report's filters, by name.
_FILTERED_SECTIONS = {"schools": _schools, "details": _details, "times": _times}


@require_GET
@vary_on_headers("HX-Request")
def section(request: HttpRequest, name: str) -> HttpResponse:
    """One section of the report for the same filters: the fragment for htmx, a page of its own for
    a plain request (the link the report page shows without JavaScript). 404 to a user without an
    incident scope and for an unknown section (the same answer)."""
    scope, places = _scope(request)
    if name not in SECTIONS:
        raise deny_not_found(request.user, f"reports section {name}", message="No such section.")
    context: dict = {"name": name, "title": SECTIONS[name], "fragment": f"reports/_{name}.html"}
    if name == "programs":
        context.update(_programs(request, places))
    else:
        categories = all_categories()
        form = ReportForm(request.GET, places=places, categories=categories, default=default_range())
        filters, _valid = form.filters()
        context.update(filters=filters, query=_query(filters))
        context.update(_FILTERED_SECTIONS[name](scope=scope, filters=filters, places=places, categories=categories))
    template = context["fragment"] if request.htmx else "reports/section_page.html"
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


def _bad_range(form) -> HttpResponse:
    return HttpResponse(
        f"Bad report filters ({form.problems()}). Use ?from=YYYY-MM-DD&to=YYYY-MM-DD.\n",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def _audit_export(request: HttpRequest, table: str, filters, rows: int) -> None:
    audit_record(
        action="reports.export", user=request.user, detail=f"{table}.csv: {rows} rows; {_query(filters)}"
    )


@require_GET
def incidents_csv(request: HttpRequest) -> HttpResponse:
    """The stable interface: month, district, category, count for the range (and filters); the counts
    sum to what the incident list shows this user for the same occurred-at range."""
    return _table_csv(request, "incidents")


TABLES = {
    "incidents": ("month", "district", "category", "count"),
    "months": ("month", "incidents", "significant"),
    "districts": ("district", "incidents", "significant"),
    "areas": ("area", "incidents", "significant"),
    "categories": ("category", "incidents", "significant"),
    "schools": ("school", "district", "incidents", "significant", "incidents_per_30_days"),
    "timings": ("measure", "incidents", "median_hours", "p90_hours"),
    "followups": ("state", "count"),
    "significant": ("occurred", "school", "category", "status", "url"),
}


def _hours(value) -> str:
    return "" if value is None else f"{value.total_seconds() / 3600:.2f}"


def _rows(table: str, report) -> list[tuple]:
    if table == "incidents":
        return report.month_district_category()
    if table == "months":
        return [(f"{m:%Y-%m}", t, s) for m, t, s in report.by_month()]
    if table == "districts":
        return report.by_district()
    if table == "areas":
        return report.by_area()
    if table == "categories":
        return report.by_category()
    if table == "schools":
        return [
            (r["school"].name, r["district"], r["count"], r["significant"], r["rate"]) for r in report.schools_rows()
        ]
    if table == "timings":
        return [
            ("submission_to_review", report.timings["review"]["n"], _hours(report.timings["review"]["median"]),
             _hours(report.timings["review"]["p90"])),
            ("submission_to_closure", report.timings["closure"]["n"], _hours(report.timings["closure"]["median"]),
             _hours(report.timings["closure"]["p90"])),
        ]
    if table == "followups":
        return sorted(report.followups.items())
    if table == "significant":
        return [
            (timezone.localtime(i.occurred_at).strftime("%m/%d/%Y %H:%M"), i.school.name, str(i.category),
             i.get_status_display(), i.get_absolute_url())
            for i in report.significant
        ]
    raise KeyError(table)


@require_GET
def table_csv(request: HttpRequest, table: str) -> HttpResponse:
    return _table_csv(request, table)


def _table_csv(request: HttpRequest, table: str) -> HttpResponse:
    if table not in TABLES:
        _scope(request)  # 404 to a user without scope first, the same answer as for a real table
        raise deny_not_found(request.user, f"reports table {table}", message="No such table.")
    details = table in ("timings", "followups", "significant")
    # Only the rollup read the table needs: per school for `schools`, none for the details' tables.
    parts = frozenset({"schools"}) if table == "schools" else frozenset() if details else frozenset({"cells"})
    form, filters, valid, report = _report(request, details=details, parts=parts)
    if not valid:
        return _bad_range(form)
    rows = _rows(table, report)
    _audit_export(request, table, filters, len(rows))
    name = f"{table}-{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}.csv"
    return csv_response(name, TABLES[table], rows)


@require_GET
def weekly_pdf(request: HttpRequest) -> HttpResponse:
    """The weekly report (Monday to Sunday) as PDF, in the user's scope: ?week=YYYY-MM-DD (any day
    of the week; the last complete week by default)."""
    scope, places = _scope(request)
    raw = request.GET.get("week", "")
    try:
        monday = week_start(dt.date.fromisoformat(raw)) if raw else last_week()
    except ValueError:
        return HttpResponse(
            "Bad week: use ?week=YYYY-MM-DD.\n", status=400, content_type="text/plain; charset=utf-8"
        )
    pdf = render_weekly_pdf(scope=scope, places=places, monday=monday)
    audit_record(action="reports.export", user=request.user, detail=f"weekly.pdf week of {monday:%Y-%m-%d}")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ssd-weekly-{monday:%Y%m%d}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
