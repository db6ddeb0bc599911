"""ssd.forms.LongSelect writes the same <select> as Django's Select (compared as parsed HTML)."""

from __future__ import annotations

import pytest
from django import forms
from django.test.html import parse_html

from ssd.forms import LongSelect

CHOICES = [("", "All schools"), (1, "Anacostia <High> & Co"), (2, "Roosevelt"), ("Group", [(3, "A"), (4, "B")])]


@pytest.mark.parametrize("value", [None, "", "2", 2, "4", "nope"])
def test_long_select_renders_what_select_renders(value):
    attrs = {"id": "id_school", "aria-describedby": "help", "required": True}
    ours = LongSelect(choices=CHOICES).render("school", value, attrs=attrs)
    django = forms.Select(choices=CHOICES).render("school", value, attrs=attrs)
    assert parse_html(ours) == parse_html(django)
    assert "&lt;High&gt; &amp; Co" in ours


def test_in_a_form_the_field_still_validates():
    class F(forms.Form):
        school = forms.TypedChoiceField(choices=CHOICES[:3], coerce=int, required=False, widget=LongSelect)

    assert F({"school": "2"}).is_valid()
    bad = F({"school": "9"})
    assert not bad.is_valid() and "school" in bad.errors
    assert 'value="2" selected' in str(F({"school": "2"})["school"])
