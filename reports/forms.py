"""The report's filters, read from the URL (GET): a bad value is a message on the page (or a 400 for
a CSV), never a 500, and the report falls back to what it can use."""

from __future__ import annotations

import datetime as dt

from django import forms

from incidents.selectors import ReportFilters
from ssd.forms import LongSelect

MAX_DAYS = 5 * 366
GROUPS = [("district", "District"), ("area", "Area"), ("school", "School")]


class ReportForm(forms.Form):
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    area = forms.TypedChoiceField(label="Area", required=False, coerce=int, empty_value=None)
    district = forms.TypedChoiceField(label="District", required=False, coerce=int, empty_value=None)
    school = forms.TypedChoiceField(label="School", required=False, coerce=int, empty_value=None, widget=LongSelect)
    category = forms.TypedChoiceField(label="Category", required=False, coerce=int, empty_value=None)
    significant = forms.ChoiceField(
        label="Significant", required=False,
        choices=[("", "All incidents"), ("yes", "Significant only"), ("no", "Not significant")],
    )

    def __init__(self, data, *, places, categories: dict, default: tuple[dt.date, dt.date]):
        # `from` and `to` in the URL (the stable CSV interface); the form's own names inside.
        data = data.copy()
        for outer, inner, value in (("from", "date_from", default[0]), ("to", "date_to", default[1])):
            if inner not in data:
                data[inner] = data.get(outer) or value.isoformat()
        super().__init__(data)
        self.default = default
        areas = places.areas
        self.fields["area"].choices = [("", "All areas"), *((a.pk, str(a)) for a in sorted(areas.values(), key=str))]
        self.fields["district"].choices = [
            ("", "All districts"), *((d.pk, d.code) for d in sorted(places.districts.values(), key=lambda d: d.number))
        ]
        self.fields["school"].choices = [("", "All schools"), *((s.pk, s.name) for s in places.schools)]
        self.fields["category"].choices = [("", "All categories"), *((c.pk, c.name) for c in categories.values())]

    def clean(self):
        cleaned = super().clean()
        first = cleaned.get("date_from") or self.default[0]
        last = cleaned.get("date_to") or self.default[1]
        if first > last:
            raise forms.ValidationError("The start date is after the end date: swap them or pick another range.")
        if (last - first).days > MAX_DAYS:
            raise forms.ValidationError("Choose a range of at most five years.")
        cleaned["date_from"], cleaned["date_to"] = first, last
        return cleaned

    def filters(self) -> tuple[ReportFilters, bool]:
        """The filters, and whether the input was valid (if not: the default range, no filters)."""
        if not self.is_valid():
            return ReportFilters(date_from=self.default[0], date_to=self.default[1]), False
        d = self.cleaned_data
        return (
            ReportFilters(
                date_from=d["date_from"],
                date_to=d["date_to"],
                area=d.get("area"),
                district=d.get("district"),
                school=d.get("school"),
                category=d.get("category"),
                significant={"yes": True, "no": False}.get(d.get("significant") or ""),
            ),
            True,
        )

    def problems(self) -> str:
        return "; ".join(
            (f"{self.fields[k].label}: " if k in self.fields else "") + " ".join(v) for k, v in self.errors.items()
        )
