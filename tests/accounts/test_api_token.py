"""A user makes, replaces and revokes their own API token; a revoked or replaced key is refused at once."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def me(key: str) -> int:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/me/").status_code


def test_a_token_made_on_the_profile_page_is_shown_once_and_works(client_for, make_user):
    user = make_user()
    client = client_for(user)
    response = client.post(reverse("accounts:api_token", args=["create"]))
    key = Token.objects.get(user=user).key
    assert response.status_code == 200 and key in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert me(key) == 200
    assert key not in client.get(reverse("accounts:profile")).content.decode()  # not shown again


def test_replacing_a_token_refuses_the_old_key(client_for, make_user):
    user = make_user()
    client = client_for(user)
    client.post(reverse("accounts:api_token", args=["create"]))
    old = Token.objects.get(user=user).key
    client.post(reverse("accounts:api_token", args=["create"]))
    new = Token.objects.get(user=user).key
    assert old != new and (me(old), me(new)) == (401, 200)


def test_revoking_on_the_page_and_through_the_api(client_for, make_user):
    user, other = make_user(), make_user()
    others_key = Token.objects.create(user=other).key
    key = Token.objects.create(user=user).key
    response = client_for(user).post(reverse("accounts:api_token", args=["revoke"]))
    assert response.status_code == 302 and me(key) == 401
    assert me(others_key) == 200  # only one's own

    key = Token.objects.create(user=user).key
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.post("/api/v1/auth/token/revoke/").status_code == 204
    assert me(key) == 401 and me(others_key) == 200
    assert APIClient().post("/api/v1/auth/token/revoke/").status_code == 401


def test_the_token_pages_need_a_signed_in_user_and_post(client, client_for, make_user):
    assert client.post(reverse("accounts:api_token", args=["create"])).status_code == 302  # to the login page
    assert not Token.objects.exists()
    signed_in = client_for(make_user())
    assert signed_in.get(reverse("accounts:api_token", args=["create"])).status_code == 405
    assert signed_in.post(reverse("accounts:api_token", args=["rotate"])).status_code == 404


def test_no_one_reads_api_keys_in_the_admin(client, make_user):
    """DRF's token admin listed every key: anyone allowed to view it could act as anyone."""
    admin = make_user()
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404


def test_passwords_sent_for_a_token_stay_out_of_error_reports(make_user):
    from rest_framework.test import APIClient

    from tests.conftest import PASSWORD

    user = make_user()
    response = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD, "otp": ""})
    assert response.status_code == 200
    assert set(response.wsgi_request.sensitive_post_parameters) == {"password", "otp"}
