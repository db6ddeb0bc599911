from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class NoticeAuthenticationForm(AuthenticationForm):
    """Django's sign-in form plus the acknowledgement of the system-use notice (CJIS 5.5.4)."""

    acknowledge = forms.BooleanField(
        label="I have read the notice above and agree to its terms",
        error_messages={"required": "You must acknowledge the system-use notice to sign in."},
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        # The same words whether the username exists or not.
        "invalid_login": "That username and password do not match an active account.",
    }

    field_order = ["username", "password", "acknowledge"]
