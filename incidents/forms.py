"""Input validation only: the services decide what is allowed."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.utils import timezone

from personnel.models import Officer
from ssd.forms import LongSelect

from .models import (
    NO_GANG_FIELD_HELP,
    Disposition,
    FollowUp,
    IncidentCategory,
    Location,
    OfficerCategory,
    PersonInvolved,
    Status,
    ccn_validator,
)
from .selectors import SORTS, IncidentFilters

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
EARLIEST_YEAR = 2000
DAMAGED = {
    "required": "This form was damaged in transit: reload the page and try again.",
    "invalid": "This form was damaged in transit: reload the page and try again.",
}


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


class Form(forms.Form):
    """Labels exactly as written (no trailing colon): the field names are part of the contract.
    Forms that share the detail page get their own id prefix, so no two elements share an id."""

    id_prefix = "id"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


def category_choices() -> list:
    """Grouped for the select: school categories first (the everyday ones), then NIBRS Group A, B."""
    groups: dict[str, list[tuple[int, str]]] = {kind: [] for kind in IncidentCategory.Kind.values}
    for pk, code, name, kind in IncidentCategory.objects.filter(active=True).values_list("pk", "code", "name", "kind"):
        label = name if kind == IncidentCategory.Kind.SCHOOL else f"{name} ({code})"
        groups[kind].append((pk, label))
    order = [
        IncidentCategory.Kind.SCHOOL,
        IncidentCategory.Kind.NIBRS_A,
        IncidentCategory.Kind.NIBRS_B,
        IncidentCategory.Kind.NIBRS_OTHER,
    ]
    labels = {
        IncidentCategory.Kind.SCHOOL: "School (non-criminal)",
        IncidentCategory.Kind.NIBRS_A: "Crimes: NIBRS Group A",
        IncidentCategory.Kind.NIBRS_B: "Crimes: NIBRS Group B",
        IncidentCategory.Kind.NIBRS_OTHER: "Other NIBRS codes",
    }
    return [("", "Choose a category")] + [
        (labels[kind], sorted(groups[kind], key=lambda c: c[1])) for kind in order if groups[kind]
    ]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern); each is checked by its content
    later, in `services.photo_store`, so one bad file names itself in the error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


CATEGORY_REFUSED = (
    "That offence is not one you can use: choose one of the offences shown, or search the full NIBRS list."
)
OCCURRED_CHOICES = [("now", "Now"), ("today", "Earlier today"), ("datetime", "Date and time")]
TIME_LOCAL = "%H:%M"


class IncidentForm(Form):
    """The one incident page (issue 10): facts, people (`PeopleFormSet`, alongside), narrative and
    photos. `schools` is the queryset of schools the user may report at; a school posted by hand
    from outside it is refused as an invalid choice.

    The category is picked in officers' words (`kind`, an `OfficerCategory`), recorded as one of its
    offences (`category`, defaulting to the word's default offence), or straight from the full NIBRS
    list (`nibrs`, a searchable datalist), which wins when filled."""

    token = forms.UUIDField(widget=forms.HiddenInput, error_messages=DAMAGED)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, error_messages=DAMAGED)
    opened_at = forms.DateTimeField(widget=forms.HiddenInput, required=False, error_messages=DAMAGED)
    school = forms.ModelChoiceField(queryset=None, label="School", empty_label="Choose a school")
    occurred_when = forms.ChoiceField(
        label="When did it happen?",
        required=False,
        choices=OCCURRED_CHOICES,
        widget=forms.RadioSelect,
    )
    occurred_time = forms.TimeField(
        label="Time today",
        required=False,
        input_formats=[TIME_LOCAL, "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format=TIME_LOCAL),
    )
    occurred_at = forms.DateTimeField(
        label="Date and time",
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
    )
    location = forms.ChoiceField(label="Location", choices=[("", "Choose a location"), *Location.choices])
    location_detail = forms.CharField(
        label="Where exactly", required=False, max_length=200, help_text="Room number, entrance, street."
    )
    kind = forms.ModelChoiceField(
        label="What happened",
        queryset=OfficerCategory.objects.none(),
        required=False,
        empty_label="Choose what happened",
        error_messages={"invalid_choice": "That category is not one you can use: choose one from the list."},
    )
    # An offence's id, checked against the active categories by `clean_category` (one query for the
    # one posted, not a choice list of every category's id built for each form).
    category = forms.IntegerField(label="Offence", required=False, error_messages={"invalid": CATEGORY_REFUSED})
    nibrs = forms.CharField(
        label="Or search the full NIBRS list",
        required=False,
        max_length=160,
        help_text="Type a few letters or the code (e.g. “13B” or “assault”) and pick from the list.",
        widget=forms.TextInput(attrs={"list": "nibrs-list", "autocomplete": "off"}),
    )
    significant = forms.BooleanField(
        label="Significant incident",
        required=False,
        help_text="Weapons, sexual assault, robbery, aggravated assault, homicide, arson, kidnapping, threats "
        "to the school and any arrest are significant automatically. Tick this for anything else the chain of "
        "command must hear about now, and say why.",
    )
    significant_reason = forms.CharField(label="Why it is significant", required=False, max_length=300)
    weapons_involved = forms.BooleanField(label="Weapons involved", required=False)
    weapons_description = forms.CharField(label="Weapon description", required=False, max_length=200)
    injuries = forms.BooleanField(label="Injuries", required=False)
    injuries_description = forms.CharField(label="Injury description", required=False, max_length=200)
    arrests = forms.IntegerField(label="Arrests", min_value=0, max_value=99, initial=0, required=False)
    referrals = forms.IntegerField(
        label="Referrals",
        min_value=0,
        max_value=99,
        initial=0,
        required=False,
        help_text="To school discipline or services.",
    )
    ccn = forms.CharField(
        label="CCN",
        required=False,
        max_length=8,
        validators=[ccn_validator],
        help_text="MPD complaint number, when a police report was made: 8 digits, e.g. 24012345.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{8}"}),
    )
    narrative = forms.CharField(
        label="Narrative",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What happened, in your own words. " + NO_GANG_FIELD_HELP,
    )
    photos = MultipleFileField(
        label="Photos",
        required=False,
        help_text="Take them now or choose several. Location and camera details are removed before storing.",
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    keep_metadata = forms.BooleanField(
        label="Keep original metadata for evidence",
        required=False,
        help_text="Stores the photos exactly as taken, with their location and camera data.",
    )

    def __init__(self, *args, schools, school_options: list[tuple[int, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # "Submit incident" (rather than "Save draft") was pressed: the narrative is then required,
        # checked here so that nothing, not even an uploaded file, is stored for a refused submission.
        self.submitting = self.is_bound and "submit" in self.data
        self.fields["school"].queryset = schools
        if school_options is not None:
            # The (pk, name) of `schools`, read by the view already: the select shows them as the
            # field's own choices would (str(school) is its name), without reading them again.
            self.fields["school"].widget.choices = [("", self.fields["school"].empty_label), *school_options]
        self.fields["kind"].queryset = OfficerCategory.objects.filter(active=True)
        if not self.is_bound and not self.initial.get("token"):
            self.initial["token"] = uuid.uuid4()
        if not self.is_bound and not self.initial.get("opened_at"):
            self.initial["opened_at"] = timezone.now().isoformat(timespec="seconds")
        for name, field in self.fields.items():
            if self.is_bound and name in self.errors:
                field.widget.attrs["aria-invalid"] = "true"
                field.widget.attrs["aria-describedby"] = f"id_{name}_error" + (
                    f" id_{name}_helptext" if field.help_text else ""
                )

    def _check_occurred(self, value):
        if value and value > timezone.now():
            raise forms.ValidationError(
                f"That time is in the future (it is now {timezone.localtime():%m/%d/%Y %H:%M}): "
                "check the date and the time."
            )
        if value and value.year < EARLIEST_YEAR:
            raise forms.ValidationError("Check the year: that date is too long ago.")
        return value

    def clean_occurred_at(self):
        return self._check_occurred(self.cleaned_data["occurred_at"])

    def clean_narrative(self):
        narrative = self.cleaned_data["narrative"]
        if self.submitting and not narrative.strip():
            raise forms.ValidationError("Write the narrative: what happened, in your own words.")
        return narrative

    def kind_options(self) -> list[tuple[str, str, bool]]:
        """(value, label, selected) of the "What happened" select: one query (iterating the field's
        choices would count them first, then read them)."""
        value = self["kind"].value()
        current = "" if value is None else str(value)
        return [(str(c.pk), str(c), str(c.pk) == current) for c in self.fields["kind"].queryset]

    def clean_category(self):
        pk = self.cleaned_data["category"]
        if pk is None:
            return None
        found = IncidentCategory.objects.filter(pk=pk, active=True).first()
        if found is None:
            raise forms.ValidationError(CATEGORY_REFUSED, code="invalid_choice")
        return found

    def clean_nibrs(self):
        text = " ".join(self.cleaned_data["nibrs"].split())
        if not text:
            return None
        code = text.rsplit("(", 1)[-1].rstrip(")").strip() if text.endswith(")") else text
        found = IncidentCategory.objects.filter(active=True).filter(code__iexact=code).first()
        if found is None:
            found = IncidentCategory.objects.filter(active=True, name__iexact=text).first()
        if found is None:
            raise forms.ValidationError(
                "No offence by that name or code: type a few letters and pick one from the list, e.g. “13B”."
            )
        return found

    def clean(self):
        d = super().clean()
        self._clean_occurred(d)
        self._clean_category(d)
        return d

    def _clean_occurred(self, d) -> None:
        when = d.get("occurred_when") or ""
        if "occurred_at" in self.errors or "occurred_time" in self.errors:
            return
        if not when and d.get("occurred_at"):
            when = "datetime"  # an edit page or a client that posts the date and time alone
        if when == "now":
            opened = d.get("opened_at")
            now = timezone.now()
            # "Now" is when the officer opened the page (so autosaves do not move it), if that was today.
            d["occurred_at"] = opened if opened and now - dt.timedelta(hours=12) <= opened <= now else now
        elif when == "today":
            at = d.get("occurred_time")
            if at is None:
                self.add_error("occurred_time", "Enter the time it happened today.")
                return
            value = timezone.make_aware(dt.datetime.combine(timezone.localdate(), at))
            try:
                d["occurred_at"] = self._check_occurred(value)
            except forms.ValidationError as exc:
                self.add_error("occurred_time", exc)
        elif when == "datetime":
            if d.get("occurred_at") is None:
                self.add_error("occurred_at", "Enter the date and time it happened.")
        else:
            self.add_error("occurred_when", "Say when it happened: now, earlier today, or a date and time.")

    def _clean_category(self, d) -> None:
        if "kind" in self.errors or "category" in self.errors or "nibrs" in self.errors:
            return
        kind, chosen, nibrs = d.get("kind"), d.get("category"), d.get("nibrs")
        if nibrs is not None:
            d["category"] = nibrs
            return
        if chosen is None and self.data.get("category") not in (None, ""):
            self.add_error("category", "That offence is not one you can use: choose one from the list.")
            return
        if kind is not None:
            if chosen is not None and not kind.offenses.filter(pk=chosen.pk).exists():
                # The word changed after an offence was picked for the previous one: the new default.
                chosen = None
            d["category"] = chosen or kind.default_offense
            return
        if chosen is not None:
            d["category"] = chosen
            return
        self.add_error("kind", "Choose what happened.")

    def service_fields(self) -> dict:
        d = self.cleaned_data
        return {
            "school": d["school"],
            "occurred_at": d["occurred_at"],
            "location": d["location"],
            "location_detail": d["location_detail"],
            "category": d["category"],
            "officer_category": d.get("kind"),
            "officer_significant": d["significant"],
            "significant_reason": d["significant_reason"],
            "weapons_involved": d["weapons_involved"],
            "weapons_description": d["weapons_description"],
            "injuries": d["injuries"],
            "injuries_description": d["injuries_description"],
            "arrests": d["arrests"] or 0,
            "referrals": d["referrals"] or 0,
            "ccn": d["ccn"],
            "narrative": d["narrative"],
        }

    @classmethod
    def initial_from(cls, incident) -> dict:
        return {
            "token": incident.idempotency_key,
            "version": incident.version,
            "school": incident.school_id,
            "occurred_when": "datetime",
            "occurred_at": timezone.localtime(incident.occurred_at).strftime(DATETIME_LOCAL),
            "location": incident.location,
            "location_detail": incident.location_detail,
            "kind": incident.officer_category_id,
            "category": incident.category_id,
            "nibrs": "" if incident.officer_category_id else str(incident.category),
            "significant": incident.significant and incident.significance_source != "rule",
            "significant_reason": incident.significant_reason if incident.significance_source == "officer" else "",
            "weapons_involved": incident.weapons_involved,
            "weapons_description": incident.weapons_description,
            "injuries": incident.injuries,
            "injuries_description": incident.injuries_description,
            "arrests": incident.arrests,
            "referrals": incident.referrals,
            "ccn": incident.ccn,
            "narrative": incident.narrative,
        }


class PersonRowForm(Form):
    """One row of the people involved on the incident page. A row left untouched is ignored."""

    id_prefix = "id"

    role = forms.ChoiceField(
        label="Role",
        choices=[("", "Choose a role"), *PersonInvolved.Role.choices],
        error_messages={"required": "Choose this person's role (victim, offender, witness...)."},
    )
    person_type = forms.ChoiceField(label="Type", choices=PersonInvolved.Type.choices, initial="student")
    name = forms.CharField(label="Name", max_length=120, error_messages={"required": "Enter this person's name."})
    grade = forms.ChoiceField(
        label="Grade", required=False, choices=[("", "Not a student"), *PersonInvolved.Grade.choices]
    )
    juvenile = forms.BooleanField(label="Juvenile (under 18)", required=False)
    description = forms.CharField(label="Description", required=False, max_length=300)

    def clean(self):
        d = super().clean()
        if d.get("grade") and d.get("person_type") not in (None, PersonInvolved.Type.STUDENT):
            self.add_error("grade", "Only a student has a grade.")
        return d

    def row(self) -> dict:
        d = self.cleaned_data
        return {
            "role": d["role"],
            "person_type": d["person_type"],
            "name": " ".join(d["name"].split()),
            "juvenile": bool(d.get("juvenile")),
            "grade": d.get("grade") or "",
            "description": (d.get("description") or "").strip(),
        }


class BasePeopleFormSet(forms.BaseFormSet):
    def initial_form_count(self):
        # Every row is an "extra" row: an untouched one is skipped, never required (see people_formset).
        return 0

    def rows(self) -> list[dict]:
        return [f.row() for f in self.forms if f.has_changed() and f.is_valid()]


MAX_PEOPLE = 30


def people_formset(data=None, *, rows: list[dict] | None = None, add: int = 0):
    """The people rows of the incident page. Unbound: `rows` (people already recorded, or the rows
    typed before "Add another person") plus `add` empty rows (at least one). Bound: from `data`."""
    if data is not None:
        formset_class = forms.formset_factory(
            PersonRowForm,
            formset=BasePeopleFormSet,
            extra=0,
            max_num=MAX_PEOPLE,
            validate_max=True,
            absolute_max=MAX_PEOPLE,
        )
        return formset_class(data, prefix="people", form_kwargs={"label_suffix": ""})
    rows = list(rows or [])
    extra = min(len(rows) + max(add, 0 if rows else 1), MAX_PEOPLE)
    formset_class = forms.formset_factory(
        PersonRowForm, formset=BasePeopleFormSet, extra=extra, max_num=MAX_PEOPLE, absolute_max=MAX_PEOPLE
    )
    return formset_class(initial=rows or None, prefix="people", form_kwargs={"label_suffix": ""})


def people_rows_from(data) -> list[dict]:
    """The rows typed so far (valid or not), for re-rendering them with one more (no JS, or htmx)."""
    bound = people_formset(data)
    if not bound.management_form.is_valid():
        return []
    rows = []
    for form in bound.forms:
        raw = {name: form.data.get(form.add_prefix(name), "") for name in PersonRowForm.base_fields}
        raw["juvenile"] = raw["juvenile"] not in ("", "false", "off", None)
        if form.has_changed():
            rows.append(raw)
    return rows


class FilterForm(Form):
    q = forms.CharField(label="Search narrative or CCN", required=False, max_length=100)
    school = forms.TypedChoiceField(label="School", required=False, coerce=int, empty_value=None, widget=LongSelect)
    category = forms.TypedChoiceField(
        label="Category", required=False, coerce=int, empty_value=None, widget=LongSelect
    )
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Status.choices])
    significant = forms.ChoiceField(
        label="Significant",
        required=False,
        choices=[("", "Any"), ("yes", "Significant only"), ("no", "Not significant")],
    )
    occurred_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    occurred_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    # Set by the home page's links (my drafts, a district's row); kept through the form as hidden inputs.
    mine = forms.BooleanField(required=False, widget=forms.HiddenInput)
    district = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    sort = forms.ChoiceField(
        required=False,
        choices=[(k, k) for k in SORTS] + [(f"-{k}", f"-{k}") for k in SORTS],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, schools, school_options: list[tuple[int, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # (pk, name) pairs or School objects; pairs spare a commander's page 2,000 model instances.
        pairs = (s if isinstance(s, tuple) else (s.pk, s.name) for s in schools)
        self.fields["school"].choices = [("", "All my schools"), *pairs]
        self.fields["category"].choices = [("", "Any category") if c[0] == "" else c for c in category_choices()]

    def filters(self) -> tuple[IncidentFilters, bool]:
        """The filters, and whether the input was valid (invalid parts are ignored, never a 500)."""
        valid = self.is_valid()
        d = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        significant = {"yes": True, "no": False}.get(d.get("significant") or "")
        return (
            IncidentFilters(
                school=d.get("school"),
                category=d.get("category"),
                status=d.get("status") or "",
                significant=significant,
                occurred_from=d.get("occurred_from"),
                occurred_to=d.get("occurred_to"),
                q=d.get("q") or "",
                sort=d.get("sort") or "-occurred",
                mine=bool(d.get("mine")),
                district=d.get("district"),
            ),
            valid,
        )


class ReviewForm(Form):
    id_prefix = "review"

    version = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[(a, a) for a in ("approve", "return", "close", "reopen")])
    comment = forms.CharField(
        label="Comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when returning or reopening: it goes to the author and into the history.",
    )
    disposition = forms.ChoiceField(
        label="Disposition", required=False, choices=[("", "Choose a disposition"), *Disposition.choices]
    )
    override_reason = forms.CharField(
        label="Why approve with items outstanding",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required to approve while required items are not done: stored on the record and audited.",
    )


class SupplementForm(Form):
    id_prefix = "supplement"

    text = forms.CharField(
        label="Supplement",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Corrections and new facts. Supplements are dated, signed and cannot be changed.",
    )
    attachment = forms.FileField(
        label="Photo or PDF",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/heic,application/pdf"}),
    )


class AttachmentForm(Form):
    id_prefix = "attachment"

    file = forms.FileField(
        label="Photo or PDF",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/heic,application/pdf"}),
    )
    description = forms.CharField(label="Description", required=False, max_length=200)


class PersonForm(Form):
    id_prefix = "person"

    role = forms.ChoiceField(label="Role", choices=PersonInvolved.Role.choices)
    person_type = forms.ChoiceField(label="Type", choices=PersonInvolved.Type.choices)
    juvenile = forms.BooleanField(label="Juvenile (under 18)", required=False)
    name = forms.CharField(label="Name", max_length=120)
    grade = forms.ChoiceField(
        label="Grade", required=False, choices=[("", "Not a student"), *PersonInvolved.Grade.choices]
    )
    description = forms.CharField(label="Description", required=False, max_length=300, help_text=NO_GANG_FIELD_HELP)


class FollowUpForm(Form):
    id_prefix = "followup"

    task = forms.CharField(label="Task", max_length=200)
    assigned_to = forms.ModelChoiceField(label="Assigned officer", queryset=Officer.objects.none())
    due_on = forms.DateField(label="Due on", widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = officers


class FollowUpUpdateForm(Form):
    id_prefix = "followup_update"

    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label="Status", choices=FollowUp.State.choices)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.CharField(label="Outcome", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpNoteForm(Form):
    id_prefix = "followup_note"

    text = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class BreakGlassForm(Form):
    id_prefix = "breakglass"

    reason = forms.CharField(
        label="Why you need the full record",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Logged with your name, and your district's sergeants and the division admin are told.",
    )

    def clean_reason(self) -> str:
        from .breakglass import REASON_MIN_LENGTH

        reason = " ".join(self.cleaned_data["reason"].split())
        if len(reason) < REASON_MIN_LENGTH:
            raise forms.ValidationError(f"State the reason in at least {REASON_MIN_LENGTH} characters.")
        return reason


class SignificanceForm(Form):
    id_prefix = "significance"

    version = forms.IntegerField(widget=forms.HiddenInput)
    significant_reason = forms.CharField(label="Why it is significant", max_length=300)


class ProposalForm(Form):
    """An officer proposes that a submitted incident is significant."""

    id_prefix = "proposal"

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why it is significant",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="E.g. a knife was found after the fight. Your sergeant accepts or declines it.",
    )


class ProposalDecisionForm(Form):
    """A sergeant accepts or declines an officer's proposal (a reason is required to decline)."""

    id_prefix = "decision"

    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])
    comment = forms.CharField(
        label="Why you decline",
        required=False,
        max_length=300,
        help_text="Required to decline: the officer who proposed it is told.",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not " ".join((data.get("comment") or "").split()):
            self.add_error("comment", "Say why you decline: the officer who proposed it is told.")
        return data
