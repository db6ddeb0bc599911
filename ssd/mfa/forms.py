from __future__ import annotations

import re

from django import forms

TOTP_RE = re.compile(r"^\d{6}$")
# django-otp's backup codes: 8 characters of lower-case base32.
BACKUP_RE = re.compile(r"^[a-z2-7]{8}$")


def _normalise(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").lower()


class CodeForm(forms.Form):
    """A 6-digit code from the authenticator app, or (when `allow_backup`) an 8-character backup code."""

    code = forms.CharField(
        label="Code",
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, allow_backup: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_backup = allow_backup
        if allow_backup:
            self.fields["code"].help_text = (
                "The 6-digit code your authenticator app shows, or one of your backup codes."
            )
        else:
            self.fields["code"].help_text = "The 6-digit code your authenticator app shows now."
            self.fields["code"].widget.attrs["inputmode"] = "numeric"

    def clean_code(self) -> str:
        code = _normalise(self.cleaned_data["code"])
        if TOTP_RE.match(code) or (self.allow_backup and BACKUP_RE.match(code)):
            return code
        if self.allow_backup:
            raise forms.ValidationError("Enter the 6-digit code from your app, or an 8-character backup code.")
        raise forms.ValidationError("Enter the 6-digit code from your app.")
