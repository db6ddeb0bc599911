"""Helpers for tests that sign in with two-factor: make a device, compute its current code."""

from __future__ import annotations

import time

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ssd.mfa.services import backup_code_digest
from tests.factories import PASSWORD


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=confirmed)


def backup_device(user, codes=("abcdefgh", "bcdefghi")) -> StaticDevice:
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    for code in codes:
        StaticToken.objects.create(device=device, token=backup_code_digest(code))
    return device


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    """The code the app shows now (offset in seconds: +30 is the next one, for a second use)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():0{device.digits}d}"


def post_password(client, username: str, password: str = PASSWORD, **extra):
    data = {"username": username, "password": password, "acknowledge": "on", **extra}
    return client.post(reverse("login"), data)
