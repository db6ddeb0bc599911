"""Input validation only: the services decide and write (and refuse again, under a lock)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils import timezone

from schools.models import Area, PoliceDistrict, School
from ssd.errors import DomainError

from .models import AREA_ROLES, DISTRICT_ROLES, SCHOOL_ROLES, Officer, Rank, Role, TrainingCourse
from .services import has_current_sro_training, overlapping_assignments, sro_training_refusal

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on the field it is about (or above the form)."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class OfficerForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="Letters, digits and . - _ only, e.g. sro.roosevelt-hs or jsmith.",
    )
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    rank = forms.ChoiceField(choices=Rank.choices)
    badge_number = forms.CharField(max_length=12, required=False)
    phone = forms.CharField(max_length=30, required=False, widget=forms.TextInput(attrs={"type": "tel"}))

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip().lower()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken.")
        return username

    def clean_badge_number(self) -> str | None:
        badge = self.cleaned_data["badge_number"].strip()
        if badge and Officer.objects.filter(badge_number=badge).exists():
            raise forms.ValidationError(f"Badge number {badge} belongs to another officer.")
        return badge or None


class AssignmentForm(forms.Form):
    role = forms.ChoiceField(choices=[("", "Choose a role")] + Role.choices)
    area = forms.ModelChoiceField(
        queryset=Area.objects.all(), required=False, help_text="For a lieutenant or SRO coordinator."
    )
    district = forms.ModelChoiceField(
        queryset=PoliceDistrict.objects.all(),
        required=False,
        help_text="For a sergeant, district commander or watch commander.",
    )
    school = forms.ModelChoiceField(
        queryset=School.objects.filter(active=True).order_by("name"),
        required=False,
        help_text="For a School Resource Officer: detailed to the school's PSA.",
    )
    starts_on = forms.DateField(widget=DATE, initial=timezone.localdate)
    ends_on = forms.DateField(widget=DATE, required=False, help_text="Leave empty for an open-ended post.")
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, officer: Officer, **kwargs):
        super().__init__(*args, **kwargs)
        self.officer = officer

    def target_field(self, role: str) -> str | None:
        if role in AREA_ROLES:
            return "area"
        if role in DISTRICT_ROLES:
            return "district"
        if role in SCHOOL_ROLES:
            return "school"
        return None

    def clean(self):
        data = super().clean()
        role = data.get("role")
        starts_on = data.get("starts_on")
        if not role:
            return data
        wanted = self.target_field(role)
        for name in ("area", "district", "school"):
            if name != wanted:
                data[name] = None
        if wanted and not data.get(wanted) and wanted not in self.errors:
            self.add_error(wanted, f"A {Role(role).label} is assigned to a {wanted}: choose one.")
            return data
        ends_on = data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The end date is before the start date.")
            return data
        if role == Role.SRO and starts_on and not has_current_sro_training(self.officer, on=starts_on):
            self.add_error("role", sro_training_refusal(self.officer, on=starts_on))
        if starts_on and not self.errors:
            target = {wanted: data[wanted]} if wanted else {}
            if overlapping_assignments(
                officer=self.officer, role=role, starts_on=starts_on, ends_on=ends_on, **target
            ).exists():
                self.add_error(
                    "starts_on", f"{self.officer.full_name} already holds this assignment for part of that period."
                )
        return data


class AssignmentEndForm(forms.Form):
    ends_on = forms.DateField(widget=DATE, initial=timezone.localdate, label="Last day")


class TrainingForm(forms.Form):
    course = forms.ModelChoiceField(queryset=TrainingCourse.objects.all())
    completed_on = forms.DateField(widget=DATE)
    expires_on = forms.DateField(
        widget=DATE, required=False, help_text="Leave empty to use the course's validity period."
    )

    def clean_completed_on(self):
        completed_on = self.cleaned_data["completed_on"]
        if completed_on > timezone.localdate():
            raise forms.ValidationError("A completion date cannot be in the future.")
        if completed_on.year < 1970:
            raise forms.ValidationError("That completion date is implausibly early: check the year.")
        return completed_on

    def clean(self):
        data = super().clean()
        completed_on, expires_on = data.get("completed_on"), data.get("expires_on")
        if completed_on and expires_on and expires_on < completed_on:
            self.add_error("expires_on", "The expiry date is before the completion date.")
        return data


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search by name or badge")
    role = forms.ChoiceField(choices=[("", "Any role")] + Role.choices, required=False)


def _officer_label(officer: Officer) -> str:
    return f"{officer}" + (f" ({officer.badge_number})" if officer.badge_number else "")


class TrainingBulkForm(TrainingForm):
    """One class: one course, one date, many officers."""

    officers = forms.ModelMultipleChoiceField(
        queryset=Officer.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick everyone who completed the class.",
    )

    def __init__(self, *args, officers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officers"].queryset = (
            officers if officers is not None else Officer.objects.select_related("user").filter(user__is_active=True)
        )
        self.fields["officers"].label_from_instance = _officer_label


class TrainingFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Name or badge")
    course = forms.ModelChoiceField(queryset=TrainingCourse.objects.all(), required=False, empty_label="Any course")
    state = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any state"),
            ("current", "Current"),
            ("expiring", "Expires within 60 days"),
            ("lapsed", "Lapsed"),
        ],
    )
