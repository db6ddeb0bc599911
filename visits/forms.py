"""Input validation only: the rules (scope, not in the past, owner in scope) live in services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from personnel.models import Assignment
from schools.models import PSA, School

from .models import CHECKLIST, Meeting, Visit
from .permissions import SEE_ROLES, WORK_ROLES

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        officer = getattr(obj, "officer", None)
        return str(officer) if officer is not None else (obj.get_full_name() or obj.get_username())


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        officer = getattr(obj, "officer", None)
        return str(officer) if officer is not None else (obj.get_full_name() or obj.get_username())


def supervisors(roles=WORK_ROLES):
    ids = Assignment.objects.active().filter(role__in=sorted(roles)).values("officer__user_id")
    return (
        get_user_model()
        .objects.filter(pk__in=ids, is_active=True)
        .select_related("officer")
        .order_by("last_name", "first_name", "pk")
    )


def aware(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())


class TimeSpanMixin:
    """date + start + end → aware start/end in America/New_York; end before start is refused."""

    def clean(self):
        data = super().clean()
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            if end <= start:
                self.add_error("end_time", "The end must be after the start.")
            else:
                data["starts_at"], data["ends_at"] = aware(day, start), aware(day, end)
        return data


class VisitScheduleForm(TimeSpanMixin, forms.Form):
    school = forms.ModelChoiceField(queryset=School.objects.none())
    date = forms.DateField(widget=DATE_INPUT)
    start_time = forms.TimeField(widget=TIME_INPUT, initial=dt.time(9, 0))
    end_time = forms.TimeField(widget=TIME_INPUT, initial=dt.time(10, 0))
    kind = forms.ChoiceField(choices=[(k, v) for k, v in Visit.Kind.choices if k != Visit.Kind.INCIDENT])
    purpose = forms.CharField(max_length=300, required=False)
    assigned_to = PersonChoiceField(
        queryset=get_user_model().objects.none(), required=False, label="Who goes", help_text="Empty: you."
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["assigned_to"].queryset = supervisors()


class VisitMoveForm(TimeSpanMixin, forms.Form):
    date = forms.DateField(widget=DATE_INPUT)
    start_time = forms.TimeField(widget=TIME_INPUT)
    end_time = forms.TimeField(widget=TIME_INPUT)


class VisitRecordForm(forms.Form):
    checklist = forms.MultipleChoiceField(choices=CHECKLIST, required=False, widget=forms.CheckboxSelectMultiple)
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000)
    # Filled by the "I'm at the school" button (the browser's geolocation); never stored as such.
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    accuracy = forms.FloatField(required=False, min_value=0, max_value=100_000, widget=forms.HiddenInput)

    def position(self) -> tuple[float, float, float] | None:
        lat, lon = self.cleaned_data.get("latitude"), self.cleaned_data.get("longitude")
        if lat is None or lon is None:
            return None
        return (lat, lon, self.cleaned_data.get("accuracy") or 0.0)


class ActionForm(forms.Form):
    description = forms.CharField(max_length=300)
    owner = PersonChoiceField(queryset=get_user_model().objects.none())
    due_on = forms.DateField(widget=DATE_INPUT)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class CalendarForm(forms.Form):
    view = forms.ChoiceField(
        choices=[("day", "Day"), ("week", "Week"), ("month", "Month"), ("list", "List")], required=False
    )
    date = forms.DateField(required=False, widget=DATE_INPUT)

    def cleaned(self) -> tuple[str, dt.date]:
        if not self.is_valid():
            return "week", timezone.localdate()
        return self.cleaned_data.get("view") or "week", self.cleaned_data.get("date") or timezone.localdate()


class MeetingForm(TimeSpanMixin, forms.Form):
    kind = forms.ChoiceField(choices=Meeting.Kind.choices)
    title = forms.CharField(max_length=150)
    date = forms.DateField(widget=DATE_INPUT)
    start_time = forms.TimeField(widget=TIME_INPUT, initial=dt.time(18, 30))
    end_time = forms.TimeField(widget=TIME_INPUT, initial=dt.time(19, 30))
    location = forms.CharField(max_length=150, required=False)
    psa = forms.ModelChoiceField(queryset=PSA.objects.none(), required=False, label="PSA")
    schools = forms.ModelMultipleChoiceField(
        queryset=School.objects.none(), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    attendees = PeopleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="MPD attendees",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    other_attendees = forms.CharField(
        max_length=500,
        required=False,
        label="Others who attended",
        help_text="Names and organizations, e.g. ANC 4B commissioner, DCPS principal.",
    )
    shared = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=10000, label="What was shared"
    )

    def __init__(self, *args, schools, psas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = schools
        self.fields["psa"].queryset = psas
        self.fields["attendees"].queryset = supervisors(SEE_ROLES)


class MeetingFilterForm(forms.Form):
    q = forms.CharField(max_length=100, required=False, label="Search")
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Meeting.Kind.choices], required=False)


class PlanWeekForm(forms.Form):
    week = forms.DateField(required=False, widget=DATE_INPUT, label="Week of")


class PlanItemForm(forms.Form):
    """One proposal as the lieutenant left it: accepted (or dropped), possibly moved."""

    school = forms.IntegerField(min_value=1)
    accept = forms.BooleanField(required=False)
    date = forms.DateField(widget=DATE_INPUT)
    start_time = forms.TimeField(widget=TIME_INPUT)
    minutes = forms.IntegerField(min_value=15, max_value=480)
    why = forms.CharField(max_length=300, required=False)
