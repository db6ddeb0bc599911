from __future__ import annotations

import datetime as dt

from django import forms

from .models import Outcome, StudentDisclosure


class _DateRangeForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        for name in ("date_from", "date_to"):
            value = data.get(name)
            if value and not (dt.date(2000, 1, 1) <= value <= dt.date(2999, 12, 31)):
                self.add_error(name, "Enter a date between 2000 and 2999.")
        return data


class AuditFilterForm(_DateRangeForm):
    """Filters of the audit viewer; every one travels in the URL."""

    user = forms.CharField(label="User", required=False, max_length=150, help_text="Username, exactly")
    action = forms.CharField(label="Action", required=False, max_length=40, help_text="e.g. auth. or access.denied")
    object_type = forms.CharField(label="Object type", required=False, max_length=60, help_text="e.g. schools.school")
    object_id = forms.CharField(label="Object id", required=False, max_length=64)
    outcome = forms.ChoiceField(label="Outcome", required=False, choices=[("", "Any"), *Outcome.choices])

    field_order = ["user", "action", "object_type", "object_id", "outcome", "date_from", "date_to"]


class DisclosureFilterForm(_DateRangeForm):
    user = forms.CharField(label="User", required=False, max_length=150, help_text="Username, exactly")
    incident = forms.IntegerField(label="Incident id", required=False, min_value=1, max_value=2**62)
    person = forms.IntegerField(label="Person id", required=False, min_value=1, max_value=2**62)
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "Any"), *StudentDisclosure.Kind.choices])

    field_order = ["user", "incident", "person", "kind", "date_from", "date_to"]


class BreakGlassFilterForm(_DateRangeForm):
    user = forms.CharField(label="User", required=False, max_length=150, help_text="Username, exactly")
    incident = forms.IntegerField(label="Incident id", required=False, min_value=1, max_value=2**62)

    field_order = ["user", "incident", "date_from", "date_to"]
