"""Every write to a user's two-factor devices: atomic and audited."""

from __future__ import annotations

from base64 import b32encode

from django.db import transaction
from django.utils.crypto import salted_hmac
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ssd.audit.models import Outcome
from ssd.audit.services import audit_record
from ssd.errors import DomainError

BACKUP_CODE_COUNT = 10
TOTP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"
BACKUP_HASH_SALT = "ssd.mfa.backup-code"


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def has_any_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def confirmed_devices(user) -> list:
    """TOTP first, then backup codes: the order codes are tried in. Locks the rows (django-otp's
    throttling counters), so call it inside a transaction."""
    devices = list(devices_for_user(user, confirmed=True, for_verify=True))
    return sorted(devices, key=lambda d: 0 if isinstance(d, TOTPDevice) else 1)


def pending_totp_device(user) -> TOTPDevice:
    """The unconfirmed device an enrolment shows the secret of; the same one on every reload."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def secret_for_display(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalize_code(token: str) -> str:
    return token.strip().replace(" ", "").replace("-", "").lower()


def backup_code_digest(code: str) -> str:
    """What the database keeps of a backup code: a keyed hash (HMAC-SHA256 under a key derived
    from SECRET_KEY, base32, 16 characters = 80 bits, the width of django-otp's token column).
    A copy of the database alone does not reveal a usable code."""
    digest = salted_hmac(BACKUP_HASH_SALT, normalize_code(code), algorithm="sha256").digest()
    return b32encode(digest).decode()[:16].lower()


def _new_backup_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=backup_code_digest(c)) for c in codes])
    return codes


def mfa_enrol_confirm(*, user, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending TOTP device with a code from the app. Returns it and 10 new backup codes."""
    with transaction.atomic():
        if TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).exists():
            raise DomainError("Two-factor sign-in is already set up for this account.")
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first()
        if device is None:
            raise DomainError("The set-up has expired. Start again.")
        accepted = device.verify_token(token)  # a refusal is saved too: it feeds django-otp's throttle
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            codes = _new_backup_codes(user)
            audit_record(action="auth.2fa_enrol", user=user, detail="authenticator app and 10 backup codes")
    if not accepted:
        audit_record(action="auth.2fa_failed", user=user, outcome=Outcome.FAILURE, detail="enrolment code refused")
        raise DomainError("That code is not right. Check the time on your phone and try the newest code.", field="code")
    return device, codes


def mfa_backup_codes_regenerate(*, user) -> list[str]:
    with transaction.atomic():
        if not has_two_factor(user):
            raise DomainError("Set up two-factor sign-in first.")
        codes = _new_backup_codes(user)
        audit_record(action="auth.2fa_backup_codes", user=user, detail="10 new backup codes; the old ones are void")
    return codes


def mfa_verify(*, user, token: str):
    """The device that accepts `token` (a TOTP code or an unused backup code), or None. Audits a refusal."""
    token = normalize_code(token)
    with transaction.atomic():
        for device in confirmed_devices(user):
            candidate = backup_code_digest(token) if isinstance(device, StaticDevice) else token
            if device.verify_token(candidate):
                kind = "backup code" if isinstance(device, StaticDevice) else "authenticator app"
                audit_record(action="auth.2fa_verified", user=user, detail=kind)
                return device
    audit_record(action="auth.2fa_failed", user=user, outcome=Outcome.FAILURE)
    return None


def _remove_devices(user) -> int:
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        count, _ = model.objects.filter(user=user).delete()
        removed += count
    return removed


def mfa_disable(*, user, token: str) -> None:
    """The user turns their own two-factor off; a current code proves it is them."""
    if mfa_verify(user=user, token=token) is None:  # audits the refusal
        raise DomainError("That code is not right.", field="code")
    with transaction.atomic():
        _remove_devices(user)
        audit_record(action="auth.2fa_disable", user=user)


def mfa_reset(*, user, by) -> int:
    """A division admin removes another user's devices (a lost phone): they enrol again at next sign-in."""
    with transaction.atomic():
        removed = _remove_devices(user)
        audit_record(
            action="auth.2fa_reset", user=by, obj=user, detail=f"two-factor of {user.get_username()} reset"
        )
    return removed
