"""The monthly compliance report and the deductions it earns, computed from the records.

For a contract and a month (America/New_York calendar):
- required post-hours: for each post, every staffed day of the month inside the post's and the
  contract's period, its daily hours × guards required;
- delivered post-hours: the shifts' minutes on those days (read from the per-(post, day) rollup
  `PostDayDelivery` that the shift services keep exact);
- shortfall: per post and day, what was required and not delivered (hours delivered over the
  requirement on one day never make up for another day);
- adjustments: corrections to shifts in earlier, certified months, reported in this month;
- inspections done and passed; discrepancies opened, by type and severity; discrepancies closed,
  with the mean time to remedy and the days closed late (after their due date).

Deductions under the contract's schedule:
    shortfall hours × shortfall rate
  − adjustment hours × shortfall rate          (hours added later are credited, removed ones charged)
  + Σ discrepancies opened × their (type, severity) rate
  + days closed late × late-remedy rate

A certified month is rendered from its certification (the figures as they were certified).
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Q, Sum, When
from django.utils import timezone

from .models import (
    Contract,
    Discrepancy,
    DiscrepancyType,
    HoursAdjustment,
    Inspection,
    MonthCertification,
    Post,
    PostDayDelivery,
    Severity,
)

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(CENT, rounding=ROUND_HALF_UP)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    tz = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return first, last, start, end


def previous_month(today: dt.date) -> dt.date:
    """The first day of the month before `today`'s: the month the COTR certifies next."""
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def parse_month(value: str | None) -> dt.date | None:
    """'YYYY-MM' → the first of that month, or None for anything else."""
    if not value or len(value) != 7 or value[4] != "-":
        return None
    try:
        year, month = int(value[:4]), int(value[5:])
        if not 2000 <= year <= 2100:
            return None
        return dt.date(year, month, 1)
    except ValueError:
        return None


@dataclass
class MonthReport:
    contract_number: str
    contractor: str
    month: dt.date
    required_minutes: int = 0
    delivered_minutes: int = 0
    shortfall_minutes: int = 0
    adjustment_minutes: int = 0
    post_days_unfilled: int = 0
    post_days_short: int = 0
    inspections: int = 0
    inspections_passed: int = 0
    # {(type, severity): count}
    opened: dict[tuple[str, str], int] = field(default_factory=dict)
    closed: int = 0
    remedy_days_total: Decimal = Decimal("0")
    closed_late: int = 0
    late_days: int = 0
    open_at_end: int = 0
    overdue_at_end: int = 0
    adjustments: list[dict] = field(default_factory=list)
    deduction_lines: list[dict] = field(default_factory=list)
    certified: dict | None = None

    @property
    def opened_total(self) -> int:
        return sum(self.opened.values())

    @property
    def mean_days_to_remedy(self) -> Decimal | None:
        if not self.closed:
            return None
        return (self.remedy_days_total / self.closed).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def deductions_total(self) -> Decimal:
        return money(sum((Decimal(line["amount"]) for line in self.deduction_lines), Decimal("0")))

    def figures(self) -> dict:
        """What the report shows: the certified month's figures as certified, else as computed."""
        return self.certified["figures"] if self.certified else self.as_json()

    def as_json(self) -> dict:
        return {
            "contract": self.contract_number,
            "contractor": self.contractor,
            "month": f"{self.month:%Y-%m}",
            "hours": {
                "required": str(hours(self.required_minutes)),
                "delivered": str(hours(self.delivered_minutes)),
                "shortfall": str(hours(self.shortfall_minutes)),
                "adjustments": str(hours(self.adjustment_minutes)),
                "post_days_unfilled": self.post_days_unfilled,
                "post_days_short": self.post_days_short,
            },
            "inspections": {"done": self.inspections, "passed": self.inspections_passed},
            "discrepancies": {
                "opened": [{"type": t, "severity": s, "count": n} for (t, s), n in sorted(self.opened.items()) if n],
                "opened_total": self.opened_total,
                "closed": self.closed,
                "mean_days_to_remedy": None if self.mean_days_to_remedy is None else str(self.mean_days_to_remedy),
                "closed_late": self.closed_late,
                "late_days": self.late_days,
                "open_at_end": self.open_at_end,
                "overdue_at_end": self.overdue_at_end,
            },
            "adjustments": self.adjustments,
            "deductions": {"lines": self.deduction_lines, "total": str(self.deductions_total)},
        }


def _hours(report: MonthReport, *, contract: Contract, first: dt.date, last: dt.date) -> None:
    """Required, delivered and short post-hours, from the per-(post, day) rollup the shift services
    keep (`PostDayDelivery`): the month's delivered minutes, the posts grouped by their staffed
    days (a few rows), then one query over the staffed post-days' narrow rows (one per post-day with
    a shift, ~41,000 a month for 2,000 posts) joined to the posts, returning one row of sums.

    Per post-day staffed inside the post's and the contract's period: short if 0 < delivered <
    required, unfilled if nothing was delivered (no row, or a row of open shifts); the shortfall is
    required − delivered where positive (a day's surplus never makes up another day). Days without
    a row are counted by difference: every staffed day minus the staffed days that have a row."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    # A month in progress requires only the days already over: today's shifts are still running.
    start, end = max(first, contract.starts_on), min(last, contract.period_ends_on(), yesterday)
    rows = PostDayDelivery.objects.filter(contract=contract).order_by()
    report.delivered_minutes = rows.filter(date__gte=first, date__lte=last).aggregate(m=Sum("minutes"))["m"] or 0
    if end < start:
        return
    # Posts grouped by what decides their staffed days (days of the week, first and last day): a
    # handful of groups however many posts, each with its posts' summed daily requirement.
    groups = list(
        Post.objects.filter(contract=contract)
        .order_by()
        .values_list("weekdays", "starts_on", "ends_on")
        .annotate(posts=Count("pk"), per_day=Sum("required_minutes_per_day"))
    )
    # Days of the month by weekday (0 = Monday), to count a post's staffed days without a loop per day.
    by_weekday: dict[int, list[dt.date]] = defaultdict(list)
    for i in range((end - start).days + 1):
        day = start + dt.timedelta(days=i)
        by_weekday[day.weekday()].append(day)
    staffed_days = 0
    for weekdays, starts_on, ends_on, posts, per_day in groups:
        lo, hi = max(start, starts_on), min(end, ends_on or end)
        n = 0
        if lo <= hi:
            for c in weekdays:
                days = by_weekday.get(int(c), [])
                n += bisect.bisect_right(days, hi) - bisect.bisect_left(days, lo)
        staffed_days += n * posts
        report.required_minutes += n * per_day
    # "A staffed day of its post", as (weekday pattern, the month's dates on those weekdays) pairs:
    # posts share a handful of patterns ("01234"), so the database compares a string and looks a date
    # up in a short list instead of computing each row's weekday.
    patterns = sorted({weekdays for weekdays, *_ in groups})
    staffed = Q(pk__in=[])
    for pattern in patterns:
        dates = sorted(d for c in pattern for d in by_weekday.get(int(c), []))
        if dates:
            staffed |= Q(post__weekdays=pattern, date__in=dates)
    required = F("post__required_minutes_per_day")
    # The staffed post-days that have a row, filtered once in WHERE (an aggregate's FILTER would be
    # evaluated per aggregate and row), summed in one pass: one row comes back.
    sums = (
        rows.filter(date__gte=start, date__lte=end)
        .filter(date__gte=F("post__starts_on"))
        .filter(Q(post__ends_on__isnull=True) | Q(date__lte=F("post__ends_on")))
        .filter(staffed)
        .aggregate(
            # Rows counted by their (never null) date, not their id: the (contract, date) index
            # carries the date, post and minutes (migration 0004), so the scan never visits the heap.
            days=Count("date"),
            zero=Count("date", filter=Q(minutes__lte=0)),
            short=Count("date", filter=Q(minutes__gt=0, minutes__lt=required)),
            shortfall=Sum(
                Case(When(minutes__lt=required, then=required - F("minutes")), default=0, output_field=IntegerField())
            ),
            required=Sum(required),
        )
    )
    # Staffed post-days without a row had nothing delivered: unfilled, the whole requirement short.
    report.post_days_unfilled = (sums["zero"] or 0) + staffed_days - (sums["days"] or 0)
    report.post_days_short = sums["short"] or 0
    report.shortfall_minutes = (sums["shortfall"] or 0) + report.required_minutes - (sums["required"] or 0)


def certification(*, contract: Contract, month: dt.date) -> dict | None:
    """The COTR's certification of the month (who, when, the figures as certified), or None."""
    cert = (
        MonthCertification.objects.filter(contract=contract, month=month.replace(day=1))
        .select_related("certified_by")
        .first()
    )
    if cert is None:
        return None
    return {
        "by": cert.certified_by.get_full_name() or cert.certified_by.get_username(),
        "at": cert.certified_at,
        "figures": cert.figures,
        "comment": cert.comment,
    }


def month_figures(*, contract: Contract, month: dt.date) -> tuple[dict, dict | None]:
    """(what the report shows for the month, its certification or None): a certified month's
    figures read from its certification (one query), without computing the report again."""
    certified = certification(contract=contract, month=month)
    if certified is not None:
        return certified["figures"], certified
    return contract_month_report(contract=contract, month=month).figures(), None


def contract_month_report(*, contract: Contract, month: dt.date, use_certification: bool = False) -> MonthReport:
    first, last, start, end = month_bounds(month)
    report = MonthReport(contract_number=contract.number, contractor=str(contract.contractor), month=first)
    if use_certification:
        report.certified = certification(contract=contract, month=first)
    _hours(report, contract=contract, first=first, last=last)

    for adj in HoursAdjustment.objects.filter(contract=contract, applies_to=first).select_related("post__school"):
        report.adjustment_minutes += adj.minutes_delta
        report.adjustments.append(
            {
                "school": adj.post.school.name,
                "post": adj.post.name,
                "date": f"{adj.original_date:%m/%d/%Y}",
                "hours": str(hours(adj.minutes_delta)),
                "reason": adj.reason,
            }
        )

    counts = Inspection.objects.filter(
        post__contract=contract, inspected_at__gte=start, inspected_at__lt=end
    ).aggregate(done=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
    report.inspections, report.inspections_passed = counts["done"], counts["passed"]

    discrepancies = Discrepancy.objects.filter(contract=contract).order_by()
    for t, s, n in (
        discrepancies.filter(opened_at__gte=start, opened_at__lt=end)
        .values_list("type", "severity")
        .annotate(n=Count("pk"))
        .values_list("type", "severity", "n")
    ):
        report.opened[(t, s)] = n
    tz = start.tzinfo
    for opened_at, closed_at, due_on in discrepancies.filter(closed_at__gte=start, closed_at__lt=end).values_list(
        "opened_at", "closed_at", "due_on"
    ):
        report.closed += 1
        report.remedy_days_total += Decimal((closed_at - opened_at).total_seconds()) / Decimal(86400)
        closed_day = closed_at.astimezone(tz).date()
        if closed_day > due_on:
            report.closed_late += 1
            report.late_days += (closed_day - due_on).days
    # Open at the end of the month: opened by then and not closed by then.
    at_end = (
        discrepancies.filter(opened_at__lt=end)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end))
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=last)))
    )
    report.open_at_end, report.overdue_at_end = at_end["open"], at_end["overdue"]

    report.deduction_lines = deduction_lines(contract=contract, report=report)
    return report


def deduction_lines(*, contract: Contract, report: MonthReport) -> list[dict]:
    rates = {(r.type, r.severity): r.amount for r in contract.deduction_rates.all()}
    lines = []
    if report.shortfall_minutes:
        amount = money(Decimal(report.shortfall_minutes) / 60 * contract.shortfall_rate_per_hour)
        lines.append(
            {
                "line": "Post-hours not delivered",
                "quantity": str(hours(report.shortfall_minutes)),
                "rate": str(contract.shortfall_rate_per_hour),
                "amount": str(amount),
            }
        )
    if report.adjustment_minutes:
        amount = money(-Decimal(report.adjustment_minutes) / 60 * contract.shortfall_rate_per_hour)
        lines.append(
            {
                "line": "Adjustments from certified months",
                "quantity": str(hours(report.adjustment_minutes)),
                "rate": str(contract.shortfall_rate_per_hour),
                "amount": str(amount),
            }
        )
    for (t, s), n in sorted(report.opened.items()):
        rate = rates.get((t, s), Decimal("0"))
        if n and rate:
            lines.append(
                {
                    "line": f"Discrepancies: {DiscrepancyType(t).label}, {Severity(s).label.lower()}",
                    "quantity": str(n),
                    "rate": str(rate),
                    "amount": str(money(rate * n)),
                }
            )
    if report.late_days and contract.late_remedy_rate_per_day:
        lines.append(
            {
                "line": "Days remedied late",
                "quantity": str(report.late_days),
                "rate": str(contract.late_remedy_rate_per_day),
                "amount": str(money(contract.late_remedy_rate_per_day * report.late_days)),
            }
        )
    return lines


def contractor_totals(reports: list[MonthReport]) -> dict:
    """The contractor's line: the sum of its contracts' figures."""
    return {
        "required": hours(sum(r.required_minutes for r in reports)),
        "delivered": hours(sum(r.delivered_minutes for r in reports)),
        "shortfall": hours(sum(r.shortfall_minutes for r in reports)),
        "inspections": sum(r.inspections for r in reports),
        "inspections_passed": sum(r.inspections_passed for r in reports),
        "opened": sum(r.opened_total for r in reports),
        "closed": sum(r.closed for r in reports),
        "deductions": money(sum((r.deductions_total for r in reports), Decimal("0"))),
    }
