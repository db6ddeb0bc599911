from __future__ import annotations

from django import forms


class DigestForm(forms.Form):
    daily = forms.BooleanField(required=False, label="Email me this page every morning")
