"""The weekly report (Monday to Sunday) as a PDF, drawn with reportlab: the week's incidents against
the same week a year before, by district (a bar chart and its table) and by category, the review
times, and the significant incidents (facts only: no narrative, no names)."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from incidents.selectors import ReportFilters, ReportScope

from .selectors import ReportPlaces, add_details, all_categories, incident_report


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def last_week(today: dt.date | None = None) -> dt.date:
    """The Monday of the last complete week."""
    return week_start(today or timezone.localdate()) - dt.timedelta(days=7)


def _span(value) -> str:
    if value is None:
        return "-"
    hours = value.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _table(rows: list[list], widths=None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1d4f91")),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#eef2f7")]),
            ]
        )
    )
    return table


def _bars(items: list[tuple[str, int]], title: str) -> Drawing:
    drawing = Drawing(6.5 * inch, 2.4 * inch)
    chart = VerticalBarChart()
    chart.x, chart.y = 40, 30
    chart.width, chart.height = 6.5 * inch - 60, 2.4 * inch - 60
    chart.data = [[n for _, n in items] or [0]]
    chart.categoryAxis.categoryNames = [label for label, _ in items] or ["-"]
    chart.valueAxis.valueMin = 0
    top = max([n for _, n in items] or [0])
    chart.valueAxis.valueMax = max(5, top + max(1, top // 5))
    chart.bars[0].fillColor = colors.HexColor("#1d4f91")
    drawing.add(chart)
    drawing.add(String(40, 2.4 * inch - 14, title, fontName="Helvetica-Bold", fontSize=10))
    return drawing


def render_weekly_pdf(*, scope: ReportScope, places: ReportPlaces, monday: dt.date) -> bytes:
    sunday = monday + dt.timedelta(days=6)
    categories = all_categories()
    week = add_details(
        incident_report(scope=scope, filters=ReportFilters(monday, sunday), places=places, categories=categories),
        scope,
    )
    try:
        ly_monday = monday.replace(year=monday.year - 1)
    except ValueError:  # 29 February
        ly_monday = monday - dt.timedelta(days=365)
    ly_monday = week_start(ly_monday + dt.timedelta(days=3))  # the same ISO-ish week, Monday to Sunday
    year_ago = incident_report(
        scope=scope, filters=ReportFilters(ly_monday, ly_monday + dt.timedelta(days=6)), places=places,
        categories=categories,
    )

    styles = getSampleStyleSheet()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=LETTER, title=f"SSD weekly report, week of {monday:%m/%d/%Y}",
        author="SSD Operations", leftMargin=0.75 * inch, rightMargin=0.75 * inch,
    )
    story = [
        Paragraph("School Security Division: weekly incident report", styles["Title"]),
        Paragraph(
            f"Week of {monday:%m/%d/%Y} to {sunday:%m/%d/%Y} (occurred, America/New_York), against "
            f"{ly_monday:%m/%d/%Y} to {ly_monday + dt.timedelta(days=6):%m/%d/%Y}. "
            f"Generated {timezone.localtime():%m/%d/%Y %H:%M}.",
            styles["Normal"],
        ),
        Spacer(1, 10),
        _table(
            [
                ["", "This week", "Same week last year"],
                ["Incidents", week.total, year_ago.total],
                ["Significant", week.significant_total, year_ago.significant_total],
            ],
            widths=[2.5 * inch, 1.5 * inch, 2 * inch],
        ),
        Spacer(1, 12),
    ]
    last_year = {label: n for label, n, _ in year_ago.by_district()}
    districts = week.by_district()
    story += [
        _bars([(label, n) for label, n, _ in districts], "Incidents by police district, this week"),
        _table(
            [["District", "Incidents", "Significant", "Same week last year"]]
            + [[label, n, s, last_year.get(label, 0)] for label, n, s in districts],
        ),
        Spacer(1, 12),
        Paragraph("By category (top 15)", styles["Heading3"]),
        _table([["Category", "Incidents", "Significant"]] + [list(r) for r in week.by_category()[:15]]
               or [["Category", "Incidents", "Significant"]]),
        Spacer(1, 12),
        Paragraph("Review times (incidents of the week)", styles["Heading3"]),
        _table(
            [["Measure", "Incidents", "Median", "90th percentile"]]
            + [
                ["First submission to latest review", week.timings["review"]["n"],
                 _span(week.timings["review"]["median"]), _span(week.timings["review"]["p90"])],
                ["First submission to closure", week.timings["closure"]["n"],
                 _span(week.timings["closure"]["median"]), _span(week.timings["closure"]["p90"])],
            ]
        ),
        Spacer(1, 12),
        Paragraph("Significant incidents", styles["Heading3"]),
    ]
    if week.significant:
        story.append(
            _table(
                [["Occurred", "School", "Category", "Status"]]
                + [
                    [timezone.localtime(i.occurred_at).strftime("%m/%d/%Y %H:%M"), i.school.name[:40],
                     str(i.category)[:40], i.get_status_display()]
                    for i in week.significant
                ]
            )
        )
    else:
        story.append(Paragraph("No significant incident this week.", styles["Normal"]))
    doc.build(story)
    return out.getvalue()
