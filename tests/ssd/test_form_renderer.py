"""ssd.form_renderer writes Django's commonest widget and label templates in Python: its markup must
be Django's, character for character, for every kind of widget, value and attribute."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import django
import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from ssd.form_renderer import INPUT, INPUT_TEMPLATES, FormRenderer

OURS = FormRenderer()
DJANGOS = DjangoTemplates()

NASTY = 'O\'Brien & <Sons> "quoted"'
VALUES = [None, "", "plain", NASTY, mark_safe("<b>safe</b>"), 0, 42, 3.5, dt.date(2026, 12, 3), gettext_lazy("Lazy")]
ATTRS = [
    {},
    {"id": "id_x", "required": True, "disabled": False, "placeholder": NASTY},
    {"class": "a b", "data-n": 7, "aria-describedby": "x_helptext", "hx-get": "/x/?a=1&b=2"},
    {"autofocus": True, "maxlength": 200, "title": mark_safe("<i>t</i>")},
]
INPUTS = [
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.HiddenInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
    forms.FileInput,
    forms.SearchInput,
    forms.TelInput,
    forms.ColorInput,
]
CHOICES = [
    ("", "Choose one"),
    ("a", "Alpha & Omega"),
    (1, "One"),
    ("Group <1>", [("g1", "First"), ("g2", NASTY)]),
    ("z", mark_safe("<em>Zed</em>")),
]


def both(render):
    return render(OURS), render(DJANGOS)


def test_the_input_templates_are_includes_of_input_html():
    root = Path(django.__file__).parent / "forms" / "templates"
    for name in INPUT_TEMPLATES - {INPUT}:
        assert (root / name).read_text().strip() == '{% include "django/forms/widgets/input.html" %}', name


@pytest.mark.parametrize("widget_class", INPUTS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("attrs", range(len(ATTRS)))
def test_inputs(widget_class, attrs):
    for value in VALUES:
        widget = widget_class(attrs=ATTRS[attrs])
        ours, djangos = both(lambda r, w=widget, v=value: w.render("field", v, attrs={"id": "id_f"}, renderer=r))
        assert ours == djangos, (widget_class, value)


@pytest.mark.parametrize("value", [True, False, None, "", "on", "off", 1, 0])
def test_checkbox(value):
    widget = forms.CheckboxInput(attrs={"class": "c"})
    ours, djangos = both(lambda r: widget.render("tick", value, attrs={"id": "id_tick"}, renderer=r))
    assert ours == djangos


def test_password_with_and_without_its_value():
    for render_value in (True, False):
        widget = forms.PasswordInput(render_value=render_value)
        ours, djangos = both(lambda r, w=widget: w.render("pw", NASTY, renderer=r))
        assert ours == djangos


@pytest.mark.parametrize("attrs", range(len(ATTRS)))
@pytest.mark.parametrize("value", [None, "", "a", "1", 1, "g2", ["a", "g1"], "missing"])
def test_selects(attrs, value):
    for widget in (
        forms.Select(attrs=ATTRS[attrs], choices=CHOICES),
        forms.SelectMultiple(attrs=ATTRS[attrs], choices=CHOICES),
        forms.Select(choices=[]),
        *([] if isinstance(value, list) else [forms.NullBooleanSelect()]),
    ):
        ours, djangos = both(lambda r, w=widget: w.render("pick", value, attrs={"id": "id_pick"}, renderer=r))
        assert ours == djangos, (type(widget), value)


def test_a_custom_option_template_goes_to_the_engine():
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    widget = Custom(choices=CHOICES)
    ours, djangos = both(lambda r: widget.render("pick", "a", renderer=r))
    assert ours == djangos


@pytest.mark.parametrize("value", VALUES + ["line 1\nline 2", "  padded  "])
def test_textarea(value):
    widget = forms.Textarea(attrs={"rows": 8, "placeholder": NASTY})
    ours, djangos = both(lambda r: widget.render("story", value, attrs={"id": "id_story"}, renderer=r))
    assert ours == djangos


@pytest.mark.parametrize(
    "widget",
    [
        forms.RadioSelect(choices=CHOICES[:3]),
        forms.CheckboxSelectMultiple(choices=CHOICES[:3]),
        forms.ClearableFileInput(),
        forms.SplitDateTimeWidget(),
    ],
    ids=lambda w: type(w).__name__,
)
def test_other_widgets_unchanged(widget):
    ours, djangos = both(lambda r: widget.render("other", None, attrs={"id": "id_o"}, renderer=r))
    assert ours == djangos


class LabelForm(forms.Form):
    plain = forms.CharField(label="Plain")
    nasty = forms.CharField(label=NASTY)
    lazy = forms.CharField(label=gettext_lazy("Lazy"))
    safe = forms.CharField(label=mark_safe("<abbr>CCN</abbr>"))
    padded = forms.CharField(label="  Padded  ")
    choice = forms.ChoiceField(label="Pick", choices=CHOICES, widget=forms.RadioSelect)


@pytest.mark.parametrize("auto_id", ["id_%s", False])
@pytest.mark.parametrize("label_suffix", [None, "", ":"])
def test_labels(auto_id, label_suffix):
    for name in LabelForm.base_fields:
        pair = []
        for renderer in (OURS, DJANGOS):
            form = LabelForm(auto_id=auto_id, label_suffix=label_suffix, renderer=renderer)
            field = form[name]
            pair.append(
                (
                    field.label_tag(),
                    field.label_tag(attrs={"class": "x", "data-q": NASTY}),
                    field.legend_tag(),
                    str(field),
                    [radio.tag() for radio in field] if name == "choice" else [],
                )
            )
        assert pair[0] == pair[1], (name, auto_id, label_suffix)


def test_the_incident_forms_render_the_same(personas):
    from incidents.forms import IncidentForm, people_formset
    from schools.models import School

    schools = School.objects.filter(pk=personas.school.pk)
    data = {"school": "x", "occurred_when": "today", "narrative": NASTY, "kind": "1", "category": "abc"}
    pages = []
    for renderer in (OURS, DJANGOS):
        unbound = IncidentForm(schools=schools, renderer=renderer, initial={"token": "t", "opened_at": "o"})
        bound = IncidentForm(data, schools=schools, renderer=renderer)
        bound.is_valid()
        people = people_formset(rows=[{"role": "victim", "name": NASTY, "person_type": "student"}], add=1)
        people.renderer = renderer
        for form in people.forms:
            form.renderer = renderer
        pages.append(
            [
                [(str(f.label_tag()), str(f)) for f in form]
                for form in (unbound, bound, *people.forms, people.management_form)
            ]
        )
    assert pages[0] == pages[1]
