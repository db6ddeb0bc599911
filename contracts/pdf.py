"""The PDF of a certified month: drawn from the certification's frozen figures, never recomputed."""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .models import DiscrepancyType, Severity


def _table(rows: list[list[str]]) -> Table:
    table = Table(rows, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def certified_report_pdf(reports: list[dict]) -> bytes:
    """`reports`: the report page's entries whose month is certified."""
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=0.7 * inch,
        rightMargin=0.7 * inch,
        title="Guard contract monthly compliance report",
        author="MPD School Security Division",
    )
    story = []
    for entry in reports:
        cert = entry["report"].certified
        f = cert["figures"]
        h, d = f["hours"], f["discrepancies"]
        story += [
            Paragraph("MPD School Security Division: guard contract monthly compliance report", styles["Title"]),
            Paragraph(f"Contract {f['contract']} · {f['contractor']} · month {f['month']}", styles["Heading2"]),
            Paragraph(
                f"Certified by {cert['by']} on {timezone.localtime(cert['at']):%m/%d/%Y %H:%M} (America/New_York). "
                "Figures as certified; later corrections are reported as adjustments in the next month.",
                styles["Normal"],
            ),
            Spacer(1, 10),
            _table(
                [
                    [
                        "Post-hours required",
                        "Delivered",
                        "Shortfall",
                        "Adjustments",
                        "Post-days unfilled",
                        "Post-days short",
                    ],
                    [
                        h["required"],
                        h["delivered"],
                        h["shortfall"],
                        h["adjustments"],
                        str(h["post_days_unfilled"]),
                        str(h["post_days_short"]),
                    ],
                ]
            ),
            Spacer(1, 8),
            _table(
                [
                    [
                        "Inspections",
                        "Passed",
                        "Discrepancies opened",
                        "Closed",
                        "Mean days to remedy",
                        "Closed late",
                        "Open at month end",
                    ],
                    [
                        str(f["inspections"]["done"]),
                        str(f["inspections"]["passed"]),
                        str(d["opened_total"]),
                        str(d["closed"]),
                        d["mean_days_to_remedy"] or "—",
                        str(d["closed_late"]),
                        str(d["open_at_end"]),
                    ],
                ]
            ),
            Spacer(1, 8),
            Paragraph("Discrepancies opened, by type and severity", styles["Heading3"]),
            _table(
                [["Type", "Severity", "Count"]]
                + [
                    [DiscrepancyType(x["type"]).label, Severity(x["severity"]).label, str(x["count"])]
                    for x in d["opened"]
                ]
            ),
            Spacer(1, 8),
            Paragraph("Deductions under the schedule", styles["Heading3"]),
            _table(
                [["Line", "Quantity", "Rate", "Amount"]]
                + [[x["line"], x["quantity"], x["rate"], x["amount"]] for x in f["deductions"]["lines"]]
                + [["Total", "", "", f["deductions"]["total"]]]
            ),
        ]
        if f["adjustments"]:
            story += [
                Spacer(1, 8),
                Paragraph("Adjustments from certified months", styles["Heading3"]),
                _table(
                    [["School", "Post", "Date", "Hours", "Reason"]]
                    + [[a["school"], a["post"], a["date"], a["hours"], a["reason"][:60]] for a in f["adjustments"]]
                ),
            ]
        if cert["comment"]:
            story += [Spacer(1, 8), Paragraph(f"COTR's comment: {cert['comment']}", styles["Normal"])]
        story.append(Spacer(1, 24))
    doc.build(story)
    return buffer.getvalue()
