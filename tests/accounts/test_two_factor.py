"""Two-factor authentication for officials: enrolment, the login's second step, the token API, recovery, reset.

Codes are computed from the device's secret with pyotp, as an authenticator app computes them; the
clock the portal checks them against is moved on in 30-second steps instead of waiting.
"""

import re

import pyotp
import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts import errors as account_errors
from apps.accounts import two_factor
from apps.accounts.api import TokenThrottle
from apps.accounts.models import Role, TwoFactorDevice, TwoFactorRecoveryCode
from apps.accounts.views import PENDING_LOGIN_ATTEMPTS, PENDING_LOGIN_KEY, PENDING_LOGIN_SECONDS
from apps.core.errors import PermissionDenied
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

TOKEN_URL = "/api/v1/auth/token/"
START = reverse("accounts:two_factor_action", args=["start"])
CONFIRM = reverse("accounts:two_factor_action", args=["confirm"])
DISABLE = reverse("accounts:two_factor_action", args=["disable"])
REGENERATE = reverse("accounts:two_factor_action", args=["recovery-codes"])
RECOVERY_CODE = re.compile(r"\b[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}\b")


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, steps: int = 1) -> None:
        self.now += 30 * steps


@pytest.fixture
def clock(monkeypatch):
    """The portal's clock for codes, at the start of a time step, moved on by the test."""
    import time

    start = Clock((int(time.time()) // 30) * 30)
    monkeypatch.setattr(two_factor, "clock", start)
    return start


def code_at(user, clock, steps: int = 0) -> str:
    """The authenticator app's code for ``user`` at the clock's time, ``steps`` steps off."""
    secret = TwoFactorDevice.objects.get(user=user).secret
    return pyotp.TOTP(secret).at(clock.now + 30 * steps)


@pytest.fixture
def official(make_user):
    return make_user(Role.CITY_OFFICIAL, username="official2fa")


@pytest.fixture
def enrolled(official, clock):
    """The official with two-factor on (through the services), the clock a step later; their recovery codes."""
    two_factor.two_factor_enrol_start(actor=official)
    codes = two_factor.two_factor_enrol_confirm(actor=official, code=code_at(official, clock))
    clock.advance()
    return codes


@pytest.fixture
def token_client():
    throttle = TokenThrottle()
    cache.delete(throttle.cache_format % {"scope": throttle.scope, "ident": "127.0.0.1"})
    return APIClient()


def password_step(client, username="official2fa", next_url=""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("accounts:login"), data)


def code_step(client, code):
    return client.post(reverse("accounts:login_two_factor"), {"code": code})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# Enrolment -----------------------------------------------------------------------------------------


def test_an_official_turns_it_on_only_with_a_valid_code(client_for, official, clock):
    client = client_for(official)
    assert client.get(reverse("accounts:two_factor")).status_code == 200
    assert client.post(START).status_code == 302
    device = TwoFactorDevice.objects.get(user=official)
    assert not device.is_confirmed

    page = client.get(reverse("accounts:two_factor"))
    html = page.content.decode()
    assert "<svg" in html and 'class="hebtt-qr"' in html
    assert two_factor.secret_for_display(device) in html
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]
    # The QR code is inline SVG without inline style, and the page has no inline script.
    assert " style=" not in html and "<style" not in html and "<script>" not in html

    wrong = str((int(code_at(official, clock)) + 1) % 1_000_000).zfill(6)
    assert client.post(CONFIRM, {"code": wrong}).status_code == 200
    assert not TwoFactorDevice.objects.get(user=official).is_confirmed
    assert not two_factor.two_factor_enabled(user=official)

    answer = client.post(CONFIRM, {"code": code_at(official, clock)})
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"] or "no-cache" in answer["Cache-Control"]
    shown = RECOVERY_CODE.findall(answer.content.decode())
    assert len(shown) == two_factor.RECOVERY_CODE_COUNT == len(set(shown))
    assert two_factor.two_factor_enabled(user=official)
    # Only hashes are kept.
    stored = set(TwoFactorRecoveryCode.objects.filter(device__user=official).values_list("code_hash", flat=True))
    assert len(stored) == len(shown) and not stored & set(shown)
    assert all(len(h) == 64 for h in stored)
    # Shown once: the page afterwards says how many are left, not which.
    assert not RECOVERY_CODE.findall(client.get(reverse("accounts:two_factor")).content.decode())


def test_starting_again_replaces_the_unconfirmed_secret_but_not_a_confirmed_one(official, enrolled):
    with pytest.raises(account_errors.TwoFactorStateError) as refused:
        two_factor.two_factor_enrol_start(actor=official)
    assert refused.value.code == account_errors.TWO_FACTOR_ALREADY_ON


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.UNIVERSITY, Role.INSTITUTION, Role.BROKER, None])
def test_only_officials_may_turn_it_on(client_for, make_user, role):
    user = make_user(role)
    client = client_for(user)
    assert client.get(reverse("accounts:two_factor")).status_code == 403
    assert client.post(START).status_code == 403
    with pytest.raises(PermissionDenied):
        two_factor.two_factor_enrol_start(actor=user)
    assert not TwoFactorDevice.objects.exists()
    assert reverse("accounts:two_factor") not in client.get(reverse("accounts:profile")).content.decode()


@pytest.mark.parametrize(
    "role", [Role.PROVINCE_ADMIN, Role.CITY_OFFICIAL, Role.COUNTY_OFFICIAL, Role.REGISTRAR, Role.APPROVER]
)
def test_every_official_role_may_turn_it_on(client_for, make_user, role):
    client = client_for(make_user(role))
    assert reverse("accounts:two_factor") in client.get(reverse("accounts:profile")).content.decode()
    assert client.post(START).status_code == 302


# The login's second step ---------------------------------------------------------------------------


def test_login_asks_for_the_code_before_the_session_is_logged_in(official, enrolled, clock):
    client = Client()
    answer = password_step(client, next_url="/accounts/profile/")
    assert answer.status_code == 302 and answer["Location"] == reverse("accounts:login_two_factor")
    assert not logged_in(client)
    assert client.get(reverse("accounts:profile")).status_code == 302  # to the login page
    assert client.get(reverse("accounts:login_two_factor")).status_code == 200

    answer = code_step(client, code_at(official, clock))
    assert answer.status_code == 302 and answer["Location"] == "/accounts/profile/"
    assert logged_in(client) and PENDING_LOGIN_KEY not in client.session
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_a_user_without_two_factor_logs_in_with_the_password(client, make_user):
    make_user(Role.CITY_OFFICIAL, username="plainofficial")
    answer = password_step(client, username="plainofficial")
    assert answer.status_code == 302 and answer["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    assert logged_in(client)


def test_the_second_step_without_a_password_step_goes_back_to_the_login(client, enrolled, official, clock):
    assert client.get(reverse("accounts:login_two_factor"))["Location"].startswith(reverse("accounts:login"))
    assert code_step(client, code_at(official, clock)).status_code == 302
    assert not logged_in(client)


def test_codes_within_one_step_of_the_clock_are_accepted_and_others_not(official, enrolled, clock):
    for steps in (-2, 2):
        with pytest.raises(account_errors.OtpInvalid):
            two_factor.two_factor_verify(user=official, code=code_at(official, clock, steps))
    clock.advance(5)
    assert two_factor.two_factor_verify(user=official, code=code_at(official, clock, -1)) == "totp"
    clock.advance(5)
    assert two_factor.two_factor_verify(user=official, code=code_at(official, clock, 1)) == "totp"


def test_a_used_code_is_not_accepted_again(official, enrolled, clock):
    code = code_at(official, clock)
    first = Client()
    password_step(first)
    assert code_step(first, code).status_code == 302 and logged_in(first)

    second = Client()  # someone who saw the code, within the same 30 seconds
    password_step(second)
    assert code_step(second, code).status_code == 200
    assert not logged_in(second)
    # Still within the window a step later, and still refused; the new step's code works.
    clock.advance()
    assert code_step(second, code).status_code == 200 and not logged_in(second)
    assert code_step(second, code_at(official, clock)).status_code == 302 and logged_in(second)
    # An earlier step's code is refused too once a later one was used.
    with pytest.raises(account_errors.OtpInvalid):
        two_factor.two_factor_verify(user=official, code=code_at(official, clock, -1))


def test_the_confirmation_code_cannot_log_in(official, clock):
    two_factor.two_factor_enrol_start(actor=official)
    code = code_at(official, clock)
    two_factor.two_factor_enrol_confirm(actor=official, code=code)
    with pytest.raises(account_errors.OtpInvalid):
        two_factor.two_factor_verify(user=official, code=code)


def test_wrong_codes_are_limited_per_login(settings, official, enrolled, clock):
    settings.AXES_FAILURE_LIMIT = 20  # the pending login's own limit, below the lockout's
    client = Client()
    password_step(client)
    right = code_at(official, clock)
    wrong = str((int(right) + 1) % 1_000_000).zfill(6)
    for _ in range(PENDING_LOGIN_ATTEMPTS - 1):
        answer = code_step(client, wrong)
        assert answer.status_code == 200 and not logged_in(client)
    answer = code_step(client, wrong)
    assert answer.status_code == 302 and answer["Location"] == reverse("accounts:login")
    assert PENDING_LOGIN_KEY not in client.session
    # The login has to start again with the password: the right code alone does nothing now.
    assert code_step(client, right).status_code == 302 and not logged_in(client)
    password_step(client)
    assert code_step(client, right).status_code == 302 and logged_in(client)


def test_wrong_codes_count_towards_the_lockout(official, enrolled, clock):
    client = Client()
    password_step(client)
    wrong = str((int(code_at(official, clock)) + 1) % 1_000_000).zfill(6)
    answers = [code_step(client, wrong).status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert answers[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1) and answers[-1] == 429
    assert AccessAttempt.objects.filter(username="official2fa").exists()
    # Locked: the right password is refused now, as after as many wrong passwords.
    assert password_step(client).status_code == 429
    assert not logged_in(client)


def test_a_wrong_password_and_wrong_codes_add_up(official, enrolled, clock):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("accounts:login"), {"username": "official2fa", "password": "wrong-password"})
    password_step(client)
    wrong = str((int(code_at(official, clock)) + 1) % 1_000_000).zfill(6)
    assert code_step(client, wrong).status_code == 429
    assert not logged_in(client)


def test_the_pending_login_expires(official, enrolled, clock):
    client = Client()
    password_step(client)
    session = client.session
    pending = session[PENDING_LOGIN_KEY]
    pending["since"] -= PENDING_LOGIN_SECONDS + 1
    session[PENDING_LOGIN_KEY] = pending
    session.save()
    answer = code_step(client, code_at(official, clock))
    assert answer.status_code == 302 and answer["Location"] == reverse("accounts:login")
    assert not logged_in(client) and PENDING_LOGIN_KEY not in client.session


def test_a_password_change_ends_the_pending_login(official, enrolled, clock):
    client = Client()
    password_step(client)
    official.set_password("Another-Horse-43")
    official.save()
    assert code_step(client, code_at(official, clock)).status_code == 302
    assert not logged_in(client)


def test_the_pending_login_gets_a_new_session_key(official, enrolled):
    client = Client()
    client.get(reverse("accounts:login"))
    password_step(client)  # makes the session
    before = client.session.session_key
    password_step(client)
    assert client.session.session_key != before


# Recovery codes ------------------------------------------------------------------------------------


def test_a_recovery_code_logs_in_once(official, enrolled, clock):
    code = enrolled[0]
    client = Client()
    password_step(client)
    assert code_step(client, code.upper().replace("-", " ")).status_code == 302 and logged_in(client)
    device = TwoFactorDevice.objects.get(user=official)
    assert device.recovery_code_used_at is not None
    assert two_factor.recovery_codes_left(device=device) == two_factor.RECOVERY_CODE_COUNT - 1
    event = device.events.order_by("-pgh_id").first()
    assert event.pgh_context.metadata["action"] == "two_factor.recovery_code_use"

    again = Client()
    password_step(again)
    assert code_step(again, code).status_code == 200 and not logged_in(again)
    assert code_step(again, enrolled[1]).status_code == 302 and logged_in(again)


def test_new_recovery_codes_need_a_current_code_and_replace_the_old(client_for, official, enrolled, clock):
    client = client_for(official)
    assert client.post(REGENERATE, {"regenerate-code": enrolled[0]}).status_code == 200  # not a recovery code
    assert client.post(REGENERATE, {"regenerate-code": "000000"}).status_code == 200
    assert set(TwoFactorRecoveryCode.objects.values_list("used_at", flat=True)) == {None}
    answer = client.post(REGENERATE, {"regenerate-code": code_at(official, clock)})
    new = RECOVERY_CODE.findall(answer.content.decode())
    assert len(new) == two_factor.RECOVERY_CODE_COUNT and not set(new) & set(enrolled)
    with pytest.raises(account_errors.OtpInvalid):
        two_factor.two_factor_verify(user=official, code=enrolled[2])
    assert two_factor.two_factor_verify(user=official, code=new[0]) == "recovery"


# Turning it off, and the reset -----------------------------------------------------------------


def test_turning_it_off_needs_the_password_and_a_code(client_for, official, enrolled, clock):
    client = client_for(official)
    code = code_at(official, clock)
    client.post(DISABLE, {"password": PASSWORD, "code": ""})
    client.post(DISABLE, {"password": PASSWORD, "code": str((int(code) + 1) % 1_000_000).zfill(6)})
    client.post(DISABLE, {"password": "wrong-password", "code": code})
    assert two_factor.two_factor_enabled(user=official)

    answer = client.post(DISABLE, {"password": PASSWORD, "code": code})
    assert answer.status_code == 302 and answer["Location"] == reverse("accounts:profile")
    assert not TwoFactorDevice.objects.filter(user=official).exists()
    assert not TwoFactorRecoveryCode.objects.exists()
    # Recorded in the audit trail with who did it.
    event = TwoFactorDevice.pgh_event_model.objects.filter(user=official, pgh_label="delete").get()
    assert event.pgh_context.metadata["action"] == "two_factor.disable"
    assert event.pgh_context.metadata["user"] == official.pk
    # The password alone logs in again.
    plain = Client()
    password_step(plain)
    assert logged_in(plain)


def test_wrong_codes_when_turning_it_off_count_towards_the_lockout(client_for, official, enrolled, clock):
    client = client_for(official)
    wrong = str((int(code_at(official, clock)) + 1) % 1_000_000).zfill(6)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(DISABLE, {"password": PASSWORD, "code": wrong})
    # Locked now: even the right code does not turn it off, and the password does not log in.
    client.post(DISABLE, {"password": PASSWORD, "code": code_at(official, clock)})
    assert two_factor.two_factor_enabled(user=official)
    assert password_step(Client()).status_code == 429


def test_the_province_resets_a_lost_phone_with_a_reason_in_the_audit_trail(
    make_user, official, enrolled, django_capture_on_commit_callbacks
):
    province = make_user(Role.PROVINCE_ADMIN)
    with pytest.raises(account_errors.ReasonRequired):
        two_factor.two_factor_reset(actor=province, user=official, reason=" ")
    with pytest.raises(PermissionDenied):  # a city bureau may not, nor may the user themself
        two_factor.two_factor_reset(actor=make_user(Role.CITY_OFFICIAL), user=official, reason="手机丢失")
    with pytest.raises(PermissionDenied):
        two_factor.two_factor_reset(actor=official, user=official, reason="手机丢失")

    with django_capture_on_commit_callbacks(execute=True):
        assert two_factor.two_factor_reset(actor=province, user=official, reason="手机丢失，已电话核实身份")
    assert not two_factor.two_factor_enabled(user=official)
    event = TwoFactorDevice.pgh_event_model.objects.filter(user=official, pgh_label="delete").get()
    assert event.pgh_context.metadata == {
        "action": "two_factor.reset",
        "reason": "手机丢失，已电话核实身份",
        "user": province.pk,
    }
    assert [m.to for m in mail.outbox] == [[official.email]]
    # The secret is never in the audit trail.
    assert not hasattr(event, "secret")


def test_admin_staff_reset_it_from_the_user_list(client_for, make_user, official, enrolled):
    staff = make_user(username="adminstaff")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client = client_for(staff)
    changelist = reverse("admin:accounts_user_changelist")
    selection = {"action": "reset_two_factor", "_selected_action": [official.pk]}
    asked = client.post(changelist, selection)
    assert asked.status_code == 200 and "reason" in asked.context["form"].fields
    assert two_factor.two_factor_enabled(user=official)
    done = client.post(changelist, {**selection, "reason": "新手机"})
    assert done.status_code == 302
    assert not TwoFactorDevice.objects.filter(user=official).exists()
    event = TwoFactorDevice.pgh_event_model.objects.filter(user=official, pgh_label="delete").get()
    assert event.pgh_context.metadata["user"] == staff.pk
    assert event.pgh_context.metadata["reason"] == "新手机"


def test_the_admin_signs_in_through_the_portal_login(client, client_for, make_user):
    answer = client.get(reverse("admin:login") + "?next=/admin/accounts/user/")
    assert answer.status_code == 302
    assert answer["Location"] == reverse("accounts:login") + "?next=/admin/accounts/user/"
    assert client.get(reverse("admin:login") + "?next=https://evil.example/")["Location"].endswith("next=/admin/")
    # Signed in but not staff: refused, rather than sent round the login page again.
    assert client_for(make_user(Role.CITY_OFFICIAL)).get(reverse("admin:login")).status_code == 403


# The token API ------------------------------------------------------------------------------------


def test_the_token_api_asks_for_the_code(token_client, official, enrolled, clock):
    credentials = {"username": "official2fa", "password": PASSWORD}
    missing = token_client.post(TOKEN_URL, credentials, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "otp_required"
    assert set(missing.json()) >= {"code", "message"}
    code = code_at(official, clock)
    wrong = token_client.post(TOKEN_URL, {**credentials, "otp": str((int(code) + 1) % 1_000_000).zfill(6)})
    assert wrong.status_code == 400 and wrong.json()["code"] == "otp_invalid"
    right = token_client.post(TOKEN_URL, {**credentials, "otp": code}, format="json")
    assert right.status_code == 200 and right.json()["token"]
    replayed = token_client.post(TOKEN_URL, {**credentials, "otp": code}, format="json")
    assert replayed.status_code == 400 and replayed.json()["code"] == "otp_invalid"
    # A wrong password is still just that, whatever the code.
    bad = token_client.post(TOKEN_URL, {"username": "official2fa", "password": "nope", "otp": code}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_credentials"
    # The token keeps working as before.
    me = APIClient(HTTP_AUTHORIZATION=f"Token {right.json()['token']}").get("/api/v1/me/")
    assert me.status_code == 200


def test_the_token_api_takes_a_recovery_code(token_client, official, enrolled):
    answer = token_client.post(
        TOKEN_URL, {"username": "official2fa", "password": PASSWORD, "otp": enrolled[0]}, format="json"
    )
    assert answer.status_code == 200


def test_wrong_codes_on_the_token_api_lock_the_account(token_client, official, enrolled, clock):
    credentials = {"username": "official2fa", "password": PASSWORD}
    wrong = str((int(code_at(official, clock)) + 1) % 1_000_000).zfill(6)
    answers = [
        token_client.post(TOKEN_URL, {**credentials, "otp": wrong}, format="json").json()["code"]
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert answers == ["otp_invalid"] * (settings.AXES_FAILURE_LIMIT - 1) + ["account_locked"]
    locked = token_client.post(TOKEN_URL, {**credentials, "otp": code_at(official, clock)}, format="json")
    assert locked.status_code == 403 and locked.json()["code"] == "account_locked"
