"""Two-factor authentication for officials: TOTP (RFC 6238) authenticators and one-time recovery codes.

An official turns it on from the profile page: ``two_factor_enrol_start`` makes a secret (shown as
a QR code and as text), ``two_factor_enrol_confirm`` takes a code from the authenticator app and
only then turns it on, returning ten recovery codes shown once. From then on the login page and
the token API ask for a code after the password (``two_factor_verify``): a code of the time step
before or after the server's is accepted (clock drift), a step already used is not (replay), and
each recovery code works once. Turning it off takes the password and a code; a provincial
administrator or admin staff can reset it for someone who lost their phone
(``two_factor_reset``). Each change is recorded in the audit trail with who made it.

Failed codes count towards django-axes' lockout like failed passwords (``otp_failure_report``).
"""

import hashlib
import hmac
import secrets
import time

import pghistory
import pyotp
import segno
from django.contrib.auth.signals import user_login_failed
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts import errors as account_errors
from apps.accounts import policies
from apps.accounts.errors import OtpInvalid, TwoFactorStateError
from apps.accounts.models import TwoFactorDevice, TwoFactorRecoveryCode, User
from apps.accounts.policies import actor_user_id
from apps.core.errors import InvalidInput

ISSUER = "HebTT"
# One time step either side of the server's: a phone whose clock is up to 30 seconds off still works.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# Twelve characters of an alphabet without look-alikes (0/o, 1/l/i): 59 random bits each, too many
# to try against a stolen hash, so a fast hash (and one indexed lookup) is enough for them.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 12
# The clock the codes are checked against (seconds since the epoch); tests move it on in steps.
clock = time.time


def two_factor_device(*, user) -> TwoFactorDevice | None:
    """The user's authenticator, confirmed or pending, if they have one."""
    if user is None or not user.pk:
        return None
    return TwoFactorDevice.objects.filter(user=user).first()


def two_factor_enabled(*, user) -> bool:
    """Whether logging in as ``user`` asks for a code after the password."""
    return TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def two_factor_may_manage(*, user) -> bool:
    """Whether the two-factor page is the user's: officials, and anyone who has it on already."""
    return policies.may(user, "two_factor.enrol") or TwoFactorDevice.objects.filter(user=user).exists()


def provisioning_uri(device: TwoFactorDevice) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.username, issuer_name=ISSUER)


def qr_code_svg(device: TwoFactorDevice, *, title: str) -> str:
    """The QR code of the device's address as inline SVG markup: no inline style, so the CSP holds."""
    code = segno.make(provisioning_uri(device), error="m")
    return code.svg_inline(scale=5, border=4, dark="#000", light="#fff", svgclass="hebtt-qr", title=title)


def secret_for_display(device: TwoFactorDevice) -> str:
    """The secret in groups of four, for typing into an app that cannot read the QR code."""
    return " ".join(device.secret[i : i + 4] for i in range(0, len(device.secret), 4))


# Codes ---------------------------------------------------------------------------------------------


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _hash_recovery_code(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _new_recovery_codes() -> list[str]:
    codes = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        codes.add(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return sorted(codes)


def _matching_step(device: TwoFactorDevice, code: str) -> int | None:
    """The time step, within the window and after the last one used, whose code is ``code``."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(device.secret)
    now = totp.timecode(clock())
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        # Every step of the window is computed and compared in constant time, matched or not.
        if hmac.compare_digest(totp.generate_otp(step), code) and step > device.last_used_step:
            return step
    return None


def _use_totp(device: TwoFactorDevice, code: str) -> bool:
    """Accept a current code of the (locked) device and record its step so that it cannot be used again."""
    step = _matching_step(device, _normalise(code))
    if step is None:
        return False
    device.last_used_step = step
    device.save(update_fields=["last_used_step"])
    return True


def _use_recovery_code(device: TwoFactorDevice, code: str) -> bool:
    normalised = _normalise(code)
    if len(normalised) != RECOVERY_CODE_LENGTH:
        return False
    now = timezone.now()
    used = TwoFactorRecoveryCode.objects.filter(
        device=device, code_hash=_hash_recovery_code(normalised), used_at__isnull=True
    ).update(used_at=now)
    if not used:
        return False
    device.recovery_code_used_at = now
    device.save(update_fields=["recovery_code_used_at"])
    return True


def _make_recovery_codes(device: TwoFactorDevice) -> list[str]:
    codes = _new_recovery_codes()
    device.recovery_codes.all().delete()
    TwoFactorRecoveryCode.objects.bulk_create(
        TwoFactorRecoveryCode(device=device, code_hash=_hash_recovery_code(code)) for code in codes
    )
    device.recovery_codes_made_at = timezone.now()
    device.save(update_fields=["recovery_codes_made_at"])
    return codes


def recovery_codes_left(*, device: TwoFactorDevice) -> int:
    return device.recovery_codes.filter(used_at__isnull=True).count()


def _locked_device(user, *, confirmed: bool) -> TwoFactorDevice:
    device = TwoFactorDevice.objects.select_for_update().filter(user=user).first()
    if device is None or device.is_confirmed != confirmed:
        if confirmed:
            raise TwoFactorStateError()
        raise TwoFactorStateError(
            _("Start turning on two-factor authentication first."), code=account_errors.TWO_FACTOR_NOT_PENDING
        )
    return device


def _check_password(user, password: str) -> None:
    if not user.check_password(password or ""):
        raise InvalidInput(_("The password is wrong."), code=account_errors.PASSWORD_INVALID, field="password")


# Services ------------------------------------------------------------------------------------------


def two_factor_enrol_start(*, actor) -> TwoFactorDevice:
    """A new secret for the actor, pending until confirmed; replaces an earlier unconfirmed one."""
    user = policies.check(actor, "two_factor.enrol").user
    with transaction.atomic(), pghistory.context(action="two_factor.enrol_start", user=user.pk):
        existing = TwoFactorDevice.objects.select_for_update().filter(user=user).first()
        if existing is not None and existing.is_confirmed:
            raise TwoFactorStateError(
                _("Two-factor authentication is already on."), code=account_errors.TWO_FACTOR_ALREADY_ON
            )
        if existing is not None:
            existing.delete()
        return TwoFactorDevice.objects.create(user=user, secret=pyotp.random_base32())


def two_factor_enrol_confirm(*, actor, code: str) -> list[str]:
    """Turn two-factor on once a code from the app proves it holds the secret; the recovery codes, shown once."""
    user = policies.check(actor, "two_factor.enrol").user
    with transaction.atomic(), pghistory.context(action="two_factor.enable", user=user.pk):
        device = _locked_device(user, confirmed=False)
        if not _use_totp(device, code):
            raise OtpInvalid(field="code")
        device.confirmed_at = timezone.now()
        device.save(update_fields=["confirmed_at"])
        return _make_recovery_codes(device)


def two_factor_disable(*, actor, password: str, code: str) -> None:
    """Turn one's own two-factor off: the password and a current code (or a recovery code)."""
    user = policies.actor_for(actor).user
    _check_password(user, password)
    with transaction.atomic(), pghistory.context(action="two_factor.disable", user=user.pk):
        device = _locked_device(user, confirmed=True)
        if not (_use_totp(device, code) or _use_recovery_code(device, code)):
            raise OtpInvalid(field="code")
        device.delete()


def two_factor_recovery_codes_regenerate(*, actor, code: str) -> list[str]:
    """New recovery codes for a current authenticator code; the old ones stop working."""
    user = policies.actor_for(actor).user
    with transaction.atomic(), pghistory.context(action="two_factor.recovery_codes", user=user.pk):
        device = _locked_device(user, confirmed=True)
        # Not a recovery code: whoever holds one must not be able to mint more.
        if not _use_totp(device, code):
            raise OtpInvalid(field="code")
        return _make_recovery_codes(device)


def two_factor_verify(*, user: User, code: str) -> str:
    """Check a login's second factor: ``"totp"`` or ``"recovery"`` when accepted, else ``OtpInvalid``.

    The device is locked while the code is checked and its use recorded, so two requests with the
    same code cannot both pass.
    """
    if not (code or "").strip():
        raise account_errors.OtpRequired(field="code")
    # Only a recovery code's use writes an audit event: the time step of a code is not tracked.
    with transaction.atomic(), pghistory.context(action="two_factor.recovery_code_use", user=user.pk):
        device = TwoFactorDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
        if device is None:
            raise TwoFactorStateError()
        if _use_totp(device, code):
            return "totp"
        if _use_recovery_code(device, code):
            return "recovery"
    raise OtpInvalid(field="code")


def two_factor_reset(*, actor, user: User, reason: str) -> bool:
    """Turn off another user's two-factor (a lost phone), with a reason; whether it was on or pending.

    The user is told by e-mail; they can turn it on again with a new phone.
    """
    if actor is not None:
        policies.check(actor, "two_factor.reset", user)
    reason = (reason or "").strip()
    if not reason:
        raise account_errors.ReasonRequired(field="reason")
    with (
        transaction.atomic(),
        pghistory.context(action="two_factor.reset", reason=reason, user=actor_user_id(actor)),
    ):
        deleted, _by_model = TwoFactorDevice.objects.filter(user=user).delete()
    if deleted and user.email:
        transaction.on_commit(lambda: _notify_reset(user))
    return bool(deleted)


def _notify_reset(user: User) -> None:
    subject = _("HebTT: your two-factor authentication was turned off")
    body = _(
        "An administrator turned off two-factor authentication for your account %(username)s. "
        "If you did not ask for this, tell the provincial administrator at once; you can turn it on "
        "again on your profile page."
    ) % {"username": user.username}
    send_mail(subject, body, None, [user.email], fail_silently=True)


def otp_locked_out(*, request, username: str) -> bool:
    """Whether django-axes has locked the user name from this address (failed passwords and codes)."""
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, {"username": username})


def otp_failure_report(*, request, username: str) -> bool:
    """Count a wrong code towards the lockout of the user name from this address; whether it is now locked.

    django-axes listens to Django's ``user_login_failed`` signal, as for a wrong password.
    """
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    return bool(getattr(request, "axes_locked_out", False))
