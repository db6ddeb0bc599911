"""Input validation only: the rules live in contracts.services."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings

from ssd.forms import LongSelect

from .models import ChecklistItem, DiscrepancyStatus, DiscrepancyType, InspectionItem, Severity
from .reporting import parse_month

Result = InspectionItem.Result


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more photos; their content is checked by `contracts.uploads` (not by the name or the
    browser's claimed type), before the inspection's transaction."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultiplePhotoInput(attrs={"accept": "image/*", "capture": "environment", "multiple": True}),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(PhotosField, self).clean(d, initial) for d in data if d]
        one = super().clean(data, initial)
        return [one] if one else []


class InspectionForm(forms.Form):
    """One radio group per checklist item, a note for each, a severity for a failed one, and photos."""

    guard = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Guard on post")
    notes = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(
        label="Photos",
        help_text="Optional: take or choose photos (JPEG or PNG, up to 10). Location and camera details are removed.",
    )

    def __init__(self, *args, guards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guard"].choices = [("", "— nobody on post / not known —")] + [(g.pk, str(g)) for g in guards]
        for value, label in ChecklistItem.choices:
            self.fields[f"item_{value}"] = forms.ChoiceField(
                label=label, choices=Result.choices, widget=forms.RadioSelect, required=True
            )
            self.fields[f"note_{value}"] = forms.CharField(required=False, max_length=300, label="Note")
            self.fields[f"severity_{value}"] = forms.ChoiceField(
                required=False, choices=[("", "Default")] + list(Severity.choices), label="Severity"
            )

    def rows(self):
        for value, label in ChecklistItem.choices:
            yield {
                "item": value,
                "label": label,
                "field": self[f"item_{value}"],
                "note": self[f"note_{value}"],
                "severity": self[f"severity_{value}"],
                "failed": self.data.get(f"item_{value}") == Result.FAIL,
            }

    def results(self) -> dict[str, str]:
        return {v: self.cleaned_data[f"item_{v}"] for v in ChecklistItem.values}

    def item_notes(self) -> dict[str, str]:
        return {v: self.cleaned_data.get(f"note_{v}", "") for v in ChecklistItem.values}

    def severities(self) -> dict[str, str]:
        return {
            v: self.cleaned_data[f"severity_{v}"]
            for v in ChecklistItem.values
            if self.cleaned_data.get(f"severity_{v}")
        }


class RaiseForm(forms.Form):
    type = forms.ChoiceField(choices=DiscrepancyType.choices)
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.MEDIUM)
    guard = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    description = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    evidence = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, guards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guard"].choices = [("", "—")] + [(g.pk, str(g)) for g in guards]


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=20)
    comment = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


def _local(day: dt.date, t: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, t, tzinfo=ZoneInfo(settings.TIME_ZONE))


class ShiftForm(forms.Form):
    guard = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    date = forms.DateField(input_formats=["%Y-%m-%d", "%m/%d/%Y"], widget=forms.DateInput(attrs={"type": "date"}))
    signed_in = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), label="Signed in")
    signed_out = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}), label="Signed out")
    reason = forms.CharField(required=False, max_length=300, label="Note or reason for a correction")

    def __init__(self, *args, guards=(), need_guard=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guard"].choices = [("", "—")] + [(g.pk, str(g)) for g in guards]
        self.fields["guard"].required = need_guard

    def clean_date(self):
        day = self.cleaned_data["date"]
        if not 2000 <= day.year <= 2100:
            raise forms.ValidationError("Enter a real date.")
        return day

    def times(self) -> tuple[dt.datetime, dt.datetime | None]:
        day = self.cleaned_data["date"]
        signed_in = _local(day, self.cleaned_data["signed_in"])
        out = self.cleaned_data.get("signed_out")
        return signed_in, (_local(day, out) if out else None)


class DiscrepancyFilterForm(forms.Form):
    # Up to 2,000 schools: their options written in Python (ssd.forms.LongSelect).
    school = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, widget=LongSelect)
    district = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        required=False, choices=[("", "Any"), ("open", "Any open")] + list(DiscrepancyStatus.choices)
    )
    type = forms.ChoiceField(required=False, choices=[("", "Any")] + list(DiscrepancyType.choices))
    severity = forms.ChoiceField(required=False, choices=[("", "Any")] + list(Severity.choices))
    overdue = forms.BooleanField(required=False, label="Overdue only")
    opened_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    opened_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, schools=(), districts=(), **kwargs):
        """`schools`: (pk, name) pairs."""
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", "All my schools"), *schools]
        self.fields["district"].choices = [("", "All my districts")] + [(d.pk, d.name) for d in districts]

    def clean(self):
        data = super().clean()
        start, end = data.get("opened_from"), data.get("opened_to")
        if start and end and end < start:
            self.add_error("opened_to", "The end date is before the start date.")
        return data


class MonthField(forms.Field):
    """'YYYY-MM' → the first day of that month."""

    def to_python(self, value):
        value = (value or "").strip() if isinstance(value, str) else ""
        if not value:
            return None
        month = parse_month(value[:8])
        if month is None:
            raise forms.ValidationError("A month is written YYYY-MM, e.g. 2026-09.")
        return month


class ReportForm(forms.Form):
    month = MonthField(required=False)
    contract = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args, contracts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [("", "—")] + [(c.pk, c.number) for c in contracts]


class CertifyForm(forms.Form):
    month = MonthField()
    contract = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    comment = forms.CharField(required=False, max_length=2000)


class PostOrderForm(forms.Form):
    body = forms.CharField(
        label="Post orders", max_length=20000, widget=forms.Textarea(attrs={"rows": 12}), strip=True
    )
    effective_on = forms.DateField(
        label="In force from",
        input_formats=["%Y-%m-%d", "%m/%d/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Guards and inspections use this version from this day.",
    )

    def clean_effective_on(self):
        day = self.cleaned_data["effective_on"]
        if not 2000 <= day.year <= 2100:
            raise forms.ValidationError("Enter a real date.")
        return day


class AssignForm(forms.Form):
    guard = forms.TypedChoiceField(coerce=int, label="Guard")
    starts_on = forms.DateField(
        label="From", input_formats=["%Y-%m-%d", "%m/%d/%Y"], widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label="Until (optional)",
        required=False,
        input_formats=["%Y-%m-%d", "%m/%d/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, guards=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— choose a guard —")]
        for g in guards:
            flag = " (license expired)" if g.licence_expired else " (license expiring)" if g.licence_expiring else ""
            choices.append((g.pk, f"{g.name}, {g.licence_number}{flag}"))
        self.fields["guard"].choices = choices

    def clean(self):
        data = super().clean()
        for name in ("starts_on", "ends_on"):
            day = data.get(name)
            if day is not None and not 2000 <= day.year <= 2100:
                self.add_error(name, "Enter a real date.")
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "The assignment cannot end before it starts.")
        return data
