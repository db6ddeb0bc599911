from __future__ import annotations

import datetime as dt

from django import forms

from .selectors import DEFAULT_DAYS

MAX_DAYS = 366
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class VicinityRangeForm(forms.Form):
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD`, both ends inclusive (REPORT_DAT dates in America/New_York).
    Either end alone gives a 30-day range from or to it; neither gives the default range."""

    def __init__(self, data=None, *, default: tuple[dt.date, dt.date] | None = None):
        super().__init__(data)
        # "from" is a Python keyword, so the fields are named here rather than declared.
        self.fields["from"] = forms.DateField(required=False, label="From", widget=DateInput())
        self.fields["to"] = forms.DateField(required=False, label="To", widget=DateInput())
        self.default = default

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        for name, value in (("from", start), ("to", end)):
            if value is not None and not EARLIEST <= value <= LATEST:
                self.add_error(name, f"Give a date between {EARLIEST:%m/%d/%Y} and {LATEST:%m/%d/%Y}.")
        if self.errors:
            return cleaned
        span = dt.timedelta(days=DEFAULT_DAYS - 1)
        if start is None and end is None:
            start, end = self.default if self.default else (None, None)
        elif start is None:
            start = end - span
        elif end is None:
            end = start + span
        if start is not None and end is not None:
            if start > end:
                self.add_error("to", "The end date is before the start date.")
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("to", f"Choose at most {MAX_DAYS} days.")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def range(self) -> tuple[dt.date, dt.date] | None:
        """The validated (start, end); None when nothing is loaded and no range was given."""
        if self.cleaned_data.get("start") is None:
            return None
        return self.cleaned_data["start"], self.cleaned_data["end"]
