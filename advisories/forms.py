from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from schools.models import PSA, PoliceDistrict, School

from .models import Priority

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_LOCAL, **kwargs)


class Form(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class AdvisoryForm(Form):
    token = forms.UUIDField(widget=forms.HiddenInput)
    title = forms.CharField(label="Title", max_length=150)
    watch_for = forms.CharField(
        label="What to watch for",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text="Who, what, where, when. Never a student's name.",
    )
    starts_at = forms.DateTimeField(label="From", widget=DateTimeLocal(), input_formats=[DATETIME_LOCAL])
    ends_at = forms.DateTimeField(label="Until", widget=DateTimeLocal(), input_formats=[DATETIME_LOCAL])
    priority = forms.ChoiceField(label="Priority", choices=Priority.choices, initial=Priority.ROUTINE)
    schools = forms.ModelMultipleChoiceField(
        label="Schools", queryset=School.objects.none(), required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    psas = forms.ModelMultipleChoiceField(label="PSAs", queryset=PSA.objects.none(), required=False)
    districts = forms.ModelMultipleChoiceField(
        label="Districts", queryset=PoliceDistrict.objects.none(), required=False
    )
    include_contract_supervisors = forms.BooleanField(
        label="Also the contract security supervisors of these schools", required=False
    )
    source = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, schools, psas, districts, contract_audience: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = schools
        self.fields["psas"].queryset = psas
        self.fields["districts"].queryset = districts
        self.fields["schools"].label_from_instance = lambda s: f"{s.name} (PSA {s.psa.number})"
        self.fields["psas"].label_from_instance = lambda p: f"PSA {p.number} ({p.district.code})"
        self.fields["districts"].label_from_instance = lambda d: d.code
        if not contract_audience:
            del self.fields["include_contract_supervisors"]

    def clean(self):
        data = super().clean()
        if not (data.get("schools") or data.get("psas") or data.get("districts")) and not self.errors.get("schools"):
            self.add_error("schools", "Choose at least one school, PSA or district.")
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "“Until” must be after “from”.")
        return data

    @staticmethod
    def initial_now() -> dict:
        now = timezone.localtime().replace(second=0, microsecond=0)
        return {
            "starts_at": now.strftime(DATETIME_LOCAL),
            "ends_at": (now + dt.timedelta(hours=24)).strftime(DATETIME_LOCAL),
        }


class UpdateForm(Form):
    token = forms.UUIDField(widget=forms.HiddenInput)
    text = forms.CharField(label="Update", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    stand_down = forms.BooleanField(label="Stand down: this ends the advisory now", required=False)


class ListFilterForm(Form):
    box = forms.ChoiceField(
        choices=[("received", "Received"), ("sent", "Sent by me"), ("chain", "In my scope")], required=False
    )
    state = forms.ChoiceField(
        choices=[("", "All"), ("waiting", "To acknowledge"), ("active", "Active"), ("ended", "Ended")], required=False
    )
    q = forms.CharField(required=False, max_length=100, label="Search")
