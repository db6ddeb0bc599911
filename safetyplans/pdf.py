"""The plan as a PDF for the principal (reportlab). Every piece of text is escaped before it reaches
a Paragraph: reportlab reads its own markup in paragraph text, and section text is typed by people."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape  # nosec B406 (escapes text for ReportLab markup; parses no XML)

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .models import SafetyPlan

MARKING = "LAW ENFORCEMENT SENSITIVE — school security plan. Do not copy or forward."


def _text(value: str) -> str:
    return escape(value or "").replace("\n", "<br/>")


def plan_pdf(plan: SafetyPlan, *, printed_at, printed_by) -> bytes:
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    local = timezone.localtime(printed_at)

    def header_footer(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 8)
        canvas.drawString(0.75 * inch, LETTER[1] - 0.5 * inch, MARKING)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(
            0.75 * inch,
            0.5 * inch,
            f"{plan.school} · {plan.year_label} · printed {local:%m/%d/%Y %H:%M} by "
            f"{printed_by.get_username()} · page {doc.page}",
        )
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        title=f"Safety plan {plan.year_label}",
        author="MPD School Security Division",
        leftMargin=0.75 * inch,
        rightMargin=0.75 * inch,
        topMargin=0.8 * inch,
        bottomMargin=0.8 * inch,
    )
    story = [
        Paragraph(_text(f"School safety plan {plan.year_label}"), styles["Title"]),
        Paragraph(_text(f"{plan.school} · {plan.school.address}"), styles["Heading3"]),
        Paragraph(_text(f"Status: {plan.get_status_display()}"), styles["Normal"]),
    ]
    if plan.principal_name:
        concurred = f" on {plan.principal_concurred_on:%m/%d/%Y}" if plan.principal_concurred_on else ""
        story.append(Paragraph(_text(f"Principal's concurrence: {plan.principal_name}{concurred}"), styles["Normal"]))
    if plan.approved_at:
        approver = plan.approved_by.get_full_name() or plan.approved_by.get_username()
        approved = f"Approved {timezone.localtime(plan.approved_at):%m/%d/%Y} by {approver}"
        story.append(Paragraph(_text(approved), styles["Normal"]))
    story.append(Spacer(1, 12))
    for _, heading, text in plan.sections():
        story.append(Paragraph(_text(heading), styles["Heading2"]))
        story.append(Paragraph(_text(text) if text.strip() else "<i>Not written.</i>", styles["BodyText"]))
    drills = list(plan.drills.all())
    story.append(Paragraph("Drill log", styles["Heading2"]))
    if drills:
        rows = [["Date", "Kind", "Minutes", "Observations"]] + [
            [
                f"{d.held_on:%m/%d/%Y}",
                d.get_kind_display(),
                str(d.duration_minutes),
                Paragraph(_text(d.observations), styles["BodyText"]),
            ]
            for d in drills
        ]
        table = Table(rows, colWidths=[0.9 * inch, 1.2 * inch, 0.7 * inch, 4.2 * inch], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    else:
        story.append(Paragraph("<i>No drills logged.</i>", styles["BodyText"]))
    attachments = list(plan.attachments.all())
    if attachments:
        story.append(Paragraph("Attachments (kept with the plan in SSD Operations)", styles["Heading2"]))
        for a in attachments:
            story.append(Paragraph(_text(f"• {a}"), styles["BodyText"]))
    doc.build(story, onFirstPage=header_footer, onLaterPages=header_footer)
    return buffer.getvalue()
