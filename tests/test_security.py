"""Security basics: lockout after failed logins, token auth, headers and CSP, the deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def city_user(make_user):
    return make_user("city_official", username="lockme")


def _login(client, password):
    return client.post(reverse("accounts:login"), {"username": "lockme", "password": password})


def test_login_works_with_the_right_password(client, city_user):
    response = _login(client, PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_repeated_failed_logins_lock_the_account_even_for_the_right_password(client, city_user):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _login(client, "wrong-password")
        assert response.status_code in (200, 429)
    response = _login(client, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # The token endpoint is locked too, and says so with a code.
    api = client.post("/api/v1/auth/token/", {"username": "lockme", "password": PASSWORD})
    assert api.status_code == 403
    assert api.json()["code"] == "account_locked"


def test_failures_below_the_limit_do_not_lock(client, city_user):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "wrong-password")
    assert _login(client, PASSWORD).status_code == 302


def test_passwords_are_hashed_with_argon2(city_user):
    assert city_user.password.startswith("argon2")


def test_api_token_authenticates_and_a_wrong_token_does_not(client, city_user):
    response = client.post("/api/v1/auth/token/", {"username": "lockme", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json()["username"] == "lockme"
    bad = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert bad.status_code == 401
    assert bad.json()["code"] == "authentication_failed"


def test_pages_carry_security_headers_and_a_strict_csp(client, db):
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_styles(client, make_user):
    user = make_user("province_admin")
    client.force_login(user)
    for url in ["/", reverse("accounts:organisation_list"), reverse("accounts:organisation_pending")]:
        html = client.get(url).content.decode()
        assert "<script>" not in html and "<style" not in html and " style=" not in html, url
        for line in html.splitlines():
            if "<script" in line:
                assert "src=" in line, line


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "prod-" + "x7Kq9vLm2Rt8Wz4Hb6Nc1Pj5Sd3Fg0Yu" * 2,
    "ALLOWED_HOSTS": "hebtt.example.gov.cn",
    "HEBTT_PUBLIC_URL": "https://hebtt.example.gov.cn",
    "EMAIL_URL": "smtp+tls://hebtt:secret@smtp.example.gov.cn:587",
    "DJANGO_SETTINGS_MODULE": "hebtt.settings",
}


def production_env(**changes) -> dict:
    """The environment of a production deployment, with ``changes`` (a value of None unsets the variable)."""
    env = {**os.environ, **PRODUCTION, **changes}
    return {name: value for name, value in env.items() if value is not None}


def deploy_check(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_under_production_settings():
    result = deploy_check(production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("email_url", "issue"), [(None, "core.W001"), ("consolemail://", "core.E001")])
def test_deploy_check_refuses_mail_to_the_logs_and_warns_of_no_mail(email_url, issue):
    """Without DEBUG, mail never goes to the console (the logs) by default, and `check --deploy` says so."""
    env = production_env(EMAIL_URL=email_url)
    result = deploy_check(env)
    assert result.returncode != 0
    assert issue in result.stdout + result.stderr
    if email_url is None:
        backend = subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
             "print(settings.EMAIL_BACKEND)"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert backend.stdout.strip() == "django.core.mail.backends.dummy.EmailBackend", backend.stderr


def test_deploy_check_warns_of_a_local_public_url():
    result = deploy_check(production_env(HEBTT_PUBLIC_URL="http://127.0.0.1:8000"))
    assert result.returncode != 0
    assert "contracts.W001" in result.stdout + result.stderr
