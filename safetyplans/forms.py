"""Input validation only: the services decide what is allowed (and refuse again, under a lock)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from ssd.errors import DomainError

from .models import SECTION_MAX, SECTIONS, DrillKind, ProgramKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DAMAGED = {
    "required": "This form was damaged in transit: reload the page and try again.",
    "invalid": "This form was damaged in transit: reload the page and try again.",
}
EARLIEST = 2000


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class Form(forms.Form):
    id_prefix = "id"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


def _not_future(value, what: str):
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(f"{what} cannot be in the future.")
    if value is not None and value.year < EARLIEST:
        raise forms.ValidationError(f"{what} is before {EARLIEST}: check the year.")
    return value


class PlanForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, error_messages=DAMAGED)
    principal_name = forms.CharField(
        max_length=120, required=False, label="Principal", help_text="The principal who concurs with the plan."
    )
    principal_concurred_on = forms.DateField(
        widget=DATE, required=False, label="Principal concurred on", help_text="Needed before you submit."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sections = {
            name: forms.CharField(
                label=label, required=False, max_length=SECTION_MAX, strip=False,
                widget=forms.Textarea(attrs={"rows": 6}),
            )
            for name, label in SECTIONS
        }
        # Sections first, in the plan's order; the concurrence last.
        self.fields = {"version": self.fields["version"], **sections, **{
            k: v for k, v in self.fields.items() if k != "version"
        }}

    def clean_principal_concurred_on(self):
        return _not_future(self.cleaned_data["principal_concurred_on"], "The principal's concurrence")

    def clean(self):
        data = super().clean()
        for name, _ in SECTIONS:
            if "\x00" in (data.get(name) or ""):
                self.add_error(name, "This text contains a character that cannot be stored.")
        if data.get("principal_concurred_on") and not (data.get("principal_name") or "").strip():
            self.add_error("principal_name", "Name the principal who concurred.")
        return data

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class StartPlanForm(Form):
    school_year = forms.IntegerField(
        widget=forms.HiddenInput, min_value=EARLIEST, max_value=2100, error_messages=DAMAGED
    )


class VersionForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, error_messages=DAMAGED)


class ReviewForm(Form):
    id_prefix = "review"
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, error_messages=DAMAGED)
    action = forms.ChoiceField(
        choices=[("accept", "Accept"), ("return", "Return with comments")], widget=forms.RadioSelect
    )
    comment = forms.CharField(
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required when you return the plan: say what needs changing.",
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", "Say what needs changing: a returned plan needs comments.")
        return data


class ApproveForm(Form):
    id_prefix = "approve"
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, error_messages=DAMAGED)
    comment = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DrillForm(Form):
    id_prefix = "drill"
    held_on = forms.DateField(widget=DATE, label="Date held")
    kind = forms.ChoiceField(choices=[("", "Choose")] + DrillKind.choices)
    duration_minutes = forms.IntegerField(min_value=1, max_value=600, label="Duration (minutes)")
    observations = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise forms.ValidationError("A drill in the future cannot be logged: log it once it has been held.")
        return _not_future(held_on, "The drill")


class AttachmentForm(Form):
    id_prefix = "attach"
    file = forms.FileField(help_text="A floor plan, map or photo: JPEG, PNG, HEIC or PDF.")
    description = forms.CharField(max_length=200, required=False, help_text="e.g. Floor plan, 2nd floor")


class ProgramForm(Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=[("", "Choose")] + ProgramKind.choices)
    partner = forms.CharField(max_length=120, required=False, label="Partner organization")
    schedule = forms.CharField(max_length=200, required=False, help_text="e.g. Tuesdays 3:30–4:30 pm")
    starts_on = forms.DateField(widget=DATE, label="Starts on")
    ends_on = forms.DateField(widget=DATE, required=False, label="Ends on", help_text="Leave empty while it runs.")
    outcomes = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    sro_notes = forms.CharField(
        max_length=4000,
        required=False,
        label="SRO's notes",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="No student names: this record holds counts only.",
    )

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        if schools is not None:
            self.fields = {
                "school": forms.ModelChoiceField(queryset=schools, empty_label="Choose a school"),
                **self.fields,
            }

    def clean_starts_on(self):
        starts_on = self.cleaned_data["starts_on"]
        if starts_on.year < EARLIEST:
            raise forms.ValidationError(f"The start is before {EARLIEST}: check the year.")
        return starts_on

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The program ends before it starts.")
        for name in ("name", "partner", "schedule", "outcomes", "sro_notes"):
            if "\x00" in (data.get(name) or ""):
                self.add_error(name, "This text contains a character that cannot be stored.")
        return data

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("school", "version")}


class ProgramEditForm(ProgramForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, error_messages=DAMAGED)


class SessionForm(Form):
    id_prefix = "session"
    held_on = forms.DateField(widget=DATE, label="Date held")
    attendance = forms.IntegerField(
        min_value=0,
        max_value=5000,
        help_text="How many took part: a count, no names.",
        error_messages={"min_value": "Attendance is a count of people: it cannot be negative."},
    )
    facilitator = forms.CharField(max_length=120, help_text="The adult who led the session.")

    def clean_held_on(self):
        return _not_future(self.cleaned_data["held_on"], "The session")


class ProgramFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Any kind")] + ProgramKind.choices, required=False)
    active = forms.BooleanField(required=False, label="Active only")
