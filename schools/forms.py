"""Input validation only."""

from __future__ import annotations

from django import forms

from .models import School

LEVELS = [
    ("", "Any level"),
    ("elementary", "Elementary"),
    ("middle", "Middle"),
    ("high", "High"),
    ("early-childhood", "Early childhood"),
    ("adult", "Adult"),
    ("alternative", "Alternative"),
    ("special-education", "Special education"),
]


class SchoolFilterForm(forms.Form):
    """The school list's filters (GET). A value that does not validate is ignored, with an error."""

    q = forms.CharField(required=False, label="Search by name, address or school code")
    district = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any district")
    ward = forms.TypedChoiceField(
        choices=[("", "Any ward")] + [(n, f"Ward {n}") for n in range(1, 9)], coerce=int, required=False,
        empty_value=None,
    )
    sector = forms.ChoiceField(choices=[("", "Any sector")] + School.Sector.choices, required=False)
    level = forms.ChoiceField(choices=LEVELS, required=False)

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["district"].label_from_instance = lambda d: f"{d.code} ({d.name})"

    def filters(self) -> dict:
        """The valid filters only (an invalid one is dropped, and shown as an error)."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value not in (None, "")}
