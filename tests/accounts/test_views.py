"""The HTML pages: landing and home, sign-up, organisation list, detail and workflow, languages."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Membership, Organisation, OrganisationKind, OrganisationStatus, Role
from apps.accounts.services import organisation_transition
from apps.accounts.views import PAGE_SIZE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

CREDIT_CODE = "91110108551385082Q"
ACCOUNTS_CARDS = {"my-organisation", "pending-sign-ups", "organisations"}
# role -> the accounts app's home cards it sees
EXPECTED_CARDS = {
    Role.PROVINCE_ADMIN: {"my-organisation", "pending-sign-ups", "organisations"},
    Role.CITY_OFFICIAL: {"my-organisation", "pending-sign-ups", "organisations"},
    Role.COUNTY_OFFICIAL: {"my-organisation", "pending-sign-ups", "organisations"},
    Role.REGISTRAR: {"my-organisation", "organisations"},
    Role.APPROVER: {"my-organisation", "organisations"},
    Role.ENTERPRISE: {"my-organisation"},
    Role.UNIVERSITY: {"my-organisation"},
    Role.INSTITUTION: {"my-organisation"},
    Role.BROKER: {"my-organisation"},
}


def english_client(user=None):
    """A client that chose English (the language switch's cookie), so messages compare in English."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def card_keys(response):
    return set(re.findall(r'id="card-([\w-]+)"', response.content.decode()))


def field_block(response, name):
    """The HTML of one form field's block (label, widget, help and errors), as includes/field.html renders it."""
    for block in response.content.decode().split('<div class="mb-3">'):
        if f'name="{name}"' in block:
            return block
    raise AssertionError(f"no field {name!r} on the page")


def sign_up_form(**overrides):
    data = {
        "name": "正定县恒达机床有限公司",
        "credit_code": CREDIT_CODE,
        "region": "130123",
        "party_type": "170",
        "address": "正定县常山东路8号",
        "display_name": "王经理",
        "email": "wang@hengda.example.cn",
        "contact_phone": "0311-88001234",
        "username": "hengda_lathes",
        "password": "Zhengding-Lathes-1987",
        "password_again": "Zhengding-Lathes-1987",
    }
    data.update(overrides)
    return data


@pytest.fixture
def shijiazhuang_official(make_user):
    return make_user(Role.CITY_OFFICIAL, region="130100")


# Landing and home ------------------------------------------------------------------------------


def test_landing_page_for_anonymous_users():
    response = Client().get(reverse("core:home"))
    assert response.status_code == 200
    assert "core/landing.html" in [t.name for t in response.templates]
    assert reverse("accounts:sign_up") in response.content.decode()
    assert reverse("accounts:login") in response.content.decode()


@pytest.mark.parametrize("role", list(Role))
def test_home_shows_the_cards_of_the_role(client_for, make_user, role):
    response = client_for(make_user(role)).get(reverse("core:home"))
    assert response.status_code == 200
    assert "core/home.html" in [t.name for t in response.templates]
    assert card_keys(response) & ACCOUNTS_CARDS == EXPECTED_CARDS[role]


def test_pending_card_counts_the_sign_ups_of_the_unit(client_for, shijiazhuang_official, make_organisation):
    make_organisation(region="130123", status=OrganisationStatus.PENDING)
    make_organisation(region="130110", status=OrganisationStatus.PENDING)
    make_organisation(region="130203", status=OrganisationStatus.PENDING)
    response = client_for(shijiazhuang_official).get(reverse("core:home"))
    card = next(c for c in response.context["cards"] if c["key"] == "pending-sign-ups")
    assert card["value"] == 2
    assert card["url"] == reverse("accounts:organisation_pending")


def test_home_of_a_pending_sign_up_says_it_awaits_activation(client_for, make_user):
    response = client_for(make_user(Role.ENTERPRISE, org_status=OrganisationStatus.PENDING)).get(reverse("core:home"))
    assert response.context["awaiting_activation"] is True
    assert card_keys(response) & ACCOUNTS_CARDS == {"my-organisation"}


@pytest.mark.parametrize("status", [OrganisationStatus.REJECTED, OrganisationStatus.SUSPENDED])
def test_home_of_a_decided_organisation_does_not_say_it_awaits_activation(client_for, make_user, status):
    response = client_for(make_user(Role.ENTERPRISE, org_status=status)).get(reverse("core:home"))
    assert response.context["awaiting_activation"] is False


def test_my_organisation_card_shows_the_active_membership(client_for, make_user, make_organisation):
    user = make_user(Role.ENTERPRISE)
    Membership.objects.filter(user=user).update(is_active=False)
    current = make_organisation(region="130123")
    Membership.objects.create(user=user, organisation=current, role=Role.ENTERPRISE)
    response = client_for(user).get(reverse("core:home"))
    card = next(c for c in response.context["cards"] if c["key"] == "my-organisation")
    assert card["value"] == current.name


def test_home_of_a_user_without_role_has_no_cards(client_for, make_user):
    response = client_for(make_user()).get(reverse("core:home"))
    assert response.status_code == 200
    assert response.context["cards"] == []
    assert response.context["awaiting_activation"] is False


# Sign-up ---------------------------------------------------------------------------------------


def test_sign_up_page_renders():
    response = Client().get(reverse("accounts:sign_up"))
    assert response.status_code == 200
    assert 'name="credit_code"' in response.content.decode()


def test_sign_up_creates_a_pending_organisation_and_redirects():
    response = Client().post(reverse("accounts:sign_up"), sign_up_form())
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_up_done")
    organisation = Organisation.objects.get(credit_code=CREDIT_CODE)
    assert organisation.status == OrganisationStatus.PENDING
    assert organisation.memberships.get().user.username == "hengda_lathes"


def test_sign_up_done_page_renders():
    assert Client().get(reverse("accounts:sign_up_done")).status_code == 200


def test_sign_up_with_a_wrong_check_character_shows_the_error_at_the_field():
    count = Organisation.objects.count()
    response = english_client().post(reverse("accounts:sign_up"), sign_up_form(credit_code="91110108551385082R"))
    assert response.status_code == 200
    block = field_block(response, "credit_code")
    assert "is-invalid" in block
    assert "check character of this unified social credit code is wrong (expected Q)" in block
    assert Organisation.objects.count() == count


def test_sign_up_with_an_error_keeps_the_typed_name():
    response = english_client().post(reverse("accounts:sign_up"), sign_up_form(credit_code="91110108551385082R"))
    assert 'value="正定县恒达机床有限公司"' in field_block(response, "name")


def test_sign_up_with_a_registered_credit_code_says_so_at_the_field(make_organisation):
    taken = make_organisation(region="130108")
    response = english_client().post(reverse("accounts:sign_up"), sign_up_form(credit_code=taken.credit_code))
    assert response.status_code == 200
    assert "already registered" in field_block(response, "credit_code")
    assert Organisation.objects.filter(credit_code=taken.credit_code).count() == 1


def test_sign_up_with_different_passwords_is_refused():
    response = english_client().post(reverse("accounts:sign_up"), sign_up_form(password_again="Something-Else-2024"))
    assert response.status_code == 200
    assert "The two passwords differ." in field_block(response, "password_again")
    assert not Organisation.objects.filter(credit_code=CREDIT_CODE).exists()


def test_sign_up_offers_only_hebei_counties():
    form = Client().get(reverse("accounts:sign_up")).context["form"]
    region_choices = {str(value) for value, _label in form.fields["region"].choices if value}
    assert "130638" in region_choices
    assert not region_choices & {"130000", "130100", "110000"}


# Organisation list ---------------------------------------------------------------------------------


def test_organisation_list_needs_a_login():
    response = Client().get(reverse("accounts:organisation_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_organisation_list_paginates(client_for, shijiazhuang_official, make_organisation):
    for _ in range(PAGE_SIZE + 6):
        make_organisation(region="130123")
    client = client_for(shijiazhuang_official)
    first = client.get(reverse("accounts:organisation_list")).context["page"]
    second = client.get(reverse("accounts:organisation_list"), {"page": 2}).context["page"]

    assert first.paginator.count == PAGE_SIZE + 7  # and the bureau itself
    assert len(first.object_list) == PAGE_SIZE
    assert second.number == 2
    assert len(second.object_list) == 7
    assert not {o.pk for o in first.object_list} & {o.pk for o in second.object_list}


def test_organisation_list_filters_by_status(client_for, shijiazhuang_official, make_organisation):
    waiting = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    make_organisation(region="130123")
    response = client_for(shijiazhuang_official).get(reverse("accounts:organisation_list"), {"status": "pending"})
    assert [o.pk for o in response.context["page"].object_list] == [waiting.pk]
    assert waiting.name in response.content.decode()


def test_organisation_list_filters_by_name(client_for, shijiazhuang_official, make_organisation):
    wanted = make_organisation(region="130123", name="正定县精密轴承有限公司")
    make_organisation(region="130123", name="正定县绿色农业有限公司")
    response = client_for(shijiazhuang_official).get(reverse("accounts:organisation_list"), {"q": "轴承"})
    assert [o.pk for o in response.context["page"].object_list] == [wanted.pk]


def test_organisation_list_ignores_an_invalid_filter_with_a_message(client_for, shijiazhuang_official):
    response = client_for(shijiazhuang_official).get(reverse("accounts:organisation_list"), {"status": "sleeping"})
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert response.context["page"].paginator.count == 1


def test_organisation_list_of_an_enterprise_is_its_own(client_for, make_user, make_organisation):
    make_organisation(region="130108")
    user = make_user(Role.ENTERPRISE)
    response = client_for(user).get(reverse("accounts:organisation_list"))
    assert [o.pk for o in response.context["page"].object_list] == [user.memberships.get().organisation_id]


# Detail and workflow ---------------------------------------------------------------------------


def test_organisation_detail_in_the_unit(client_for, shijiazhuang_official, make_organisation):
    organisation = make_organisation(region="130123")
    response = client_for(shijiazhuang_official).get(organisation.get_absolute_url())
    assert response.status_code == 200
    assert organisation.credit_code in response.content.decode()


@pytest.mark.parametrize(
    ("viewer", "sees_contacts"),
    [
        (Role.REGISTRAR, False),
        (Role.APPROVER, False),
        (Role.CITY_OFFICIAL, True),
        (Role.COUNTY_OFFICIAL, True),
        (Role.PROVINCE_ADMIN, True),
        ("member", True),
    ],
)
def test_organisation_contacts_and_members_are_for_its_reviewers_and_members(
    client_for, make_user, make_organisation, viewer, sees_contacts
):
    """Registration offices and approvers see the organisations of their city, not who works there."""
    organisation = make_organisation(region="130108")
    Organisation.objects.filter(pk=organisation.pk).update(
        contact_name="赵联系", contact_phone="13912340000", contact_email="zhao@example.cn", address="中山路88号"
    )
    member = make_user(Role.ENTERPRISE, organisation=organisation, username="zhao_member")
    region = "130108" if viewer == Role.COUNTY_OFFICIAL else None
    user = member if viewer == "member" else make_user(viewer, region=region)
    response = client_for(user).get(organisation.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert organisation.credit_code in html
    for secret in ("13912340000", "zhao@example.cn", "中山路88号", "zhao_member"):
        assert (secret in html) is sees_contacts, secret


def test_organisation_detail_of_another_unit_is_a_404(client_for, shijiazhuang_official, make_organisation):
    tangshan = make_organisation(region="130203")
    response = client_for(shijiazhuang_official).get(tangshan.get_absolute_url())
    assert response.status_code == 404


def test_transition_of_another_units_organisation_is_a_404(client_for, make_user, make_organisation):
    pending = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    tangshan_official = make_user(Role.CITY_OFFICIAL, region="130200")
    url = reverse("accounts:organisation_transition", args=[pending.pk, "activate"])
    response = client_for(tangshan_official).post(url)
    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == OrganisationStatus.PENDING


def test_pending_queue_lists_the_units_sign_ups(client_for, shijiazhuang_official, make_organisation):
    ours = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    make_organisation(region="130203", status=OrganisationStatus.PENDING)
    make_organisation(region="130110")
    response = client_for(shijiazhuang_official).get(reverse("accounts:organisation_pending"))
    assert [o.pk for o in response.context["page"].object_list] == [ours.pk]


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.REGISTRAR, Role.APPROVER])
def test_the_pending_queue_is_only_the_bureaus(client_for, make_user, role):
    response = client_for(make_user(role)).get(reverse("accounts:organisation_pending"))
    assert response.status_code == 403


def test_pending_queue_is_oldest_first(client_for, shijiazhuang_official, make_organisation):
    newer = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    older = make_organisation(region="130110", status=OrganisationStatus.PENDING)
    Organisation.objects.filter(pk=older.pk).update(created_at=newer.created_at - timedelta(days=3))
    response = client_for(shijiazhuang_official).get(reverse("accounts:organisation_pending"))
    assert [o.pk for o in response.context["page"].object_list] == [older.pk, newer.pk]


def test_activate_from_the_queue_returns_to_the_queue(client_for, shijiazhuang_official, make_organisation):
    pending = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    queue = reverse("accounts:organisation_pending")
    response = client_for(shijiazhuang_official).post(
        reverse("accounts:organisation_transition", args=[pending.pk, "activate"]), {"next": queue}
    )
    assert response.status_code == 302
    assert response["Location"] == queue
    pending.refresh_from_db()
    assert pending.status == OrganisationStatus.ACTIVE
    assert pending.status_changed_by == shijiazhuang_official


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/"])
def test_activate_does_not_follow_an_external_next(client_for, shijiazhuang_official, make_organisation, next_url):
    pending = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    response = client_for(shijiazhuang_official).post(
        reverse("accounts:organisation_transition", args=[pending.pk, "activate"]), {"next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == pending.get_absolute_url()
    pending.refresh_from_db()
    assert pending.status == OrganisationStatus.ACTIVE


def test_a_refused_transition_shows_an_error_and_changes_nothing(client_for, shijiazhuang_official, make_organisation):
    pending = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    client = client_for(shijiazhuang_official)
    response = client.post(reverse("accounts:organisation_transition", args=[pending.pk, "reject"]), {"reason": ""})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert [m.level_tag for m in page.context["messages"]] == ["error"]
    pending.refresh_from_db()
    assert pending.status == OrganisationStatus.PENDING


def test_unknown_transition_is_a_404(client_for, shijiazhuang_official, make_organisation):
    organisation = make_organisation(region="130123")
    response = client_for(shijiazhuang_official).post(
        reverse("accounts:organisation_transition", args=[organisation.pk, "obliterate"])
    )
    assert response.status_code == 404


def test_transition_by_get_is_refused(client_for, shijiazhuang_official, make_organisation):
    pending = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    response = client_for(shijiazhuang_official).get(
        reverse("accounts:organisation_transition", args=[pending.pk, "activate"])
    )
    assert response.status_code == 405
    pending.refresh_from_db()
    assert pending.status == OrganisationStatus.PENDING


def test_detail_shows_the_rejection_reason_in_the_history(client_for, shijiazhuang_official, make_organisation):
    pending = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    client = english_client(shijiazhuang_official)
    client.post(
        reverse("accounts:organisation_transition", args=[pending.pk, "reject"]), {"reason": "营业执照已被吊销"}
    )
    html = client.get(pending.get_absolute_url()).content.decode()
    history = html.split("history-diff", 1)[1]
    assert "营业执照已被吊销" in history
    assert "Sign-up rejected" in history
    assert str(shijiazhuang_official) in history


def test_detail_offers_the_decision_to_a_reviewer_only(client_for, make_user, shijiazhuang_official, make_organisation):
    pending = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    reject_url = reverse("accounts:organisation_transition", args=[pending.pk, "reject"])
    registrar = make_user(Role.REGISTRAR, region="130100")
    assert reject_url in client_for(shijiazhuang_official).get(pending.get_absolute_url()).content.decode()
    assert reject_url not in client_for(registrar).get(pending.get_absolute_url()).content.decode()


def test_member_sees_its_own_organisation_with_its_members(client_for, make_user):
    user = make_user(Role.ENTERPRISE)
    organisation = user.memberships.get().organisation
    response = client_for(user).get(organisation.get_absolute_url())
    assert response.status_code == 200
    assert [m.user_id for m in response.context["members"]] == [user.pk]


def test_the_suspended_organisation_offers_reinstatement_to_the_city(
    client_for, shijiazhuang_official, make_organisation
):
    organisation = make_organisation(kind=OrganisationKind.ENTERPRISE, region="130110")
    organisation_transition(actor=None, organisation=organisation, action="suspend", reason="检查")
    html = client_for(shijiazhuang_official).get(organisation.get_absolute_url()).content.decode()
    assert reverse("accounts:organisation_transition", args=[organisation.pk, "reinstate"]) in html


def test_profile_lists_the_memberships(client_for, make_user):
    user = make_user(Role.BROKER)
    response = client_for(user).get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert [m.role for m in response.context["memberships"]] == [Role.BROKER]


# Languages ---------------------------------------------------------------------------------------


def test_chinese_is_the_default_language():
    response = Client().get(reverse("accounts:login"))
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in response.content.decode()


def test_an_english_browser_still_gets_chinese():
    # Only the language switch changes the language, not the browser's Accept-Language.
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("accounts:login"))
    assert response["Content-Language"] == "zh-hans"


def test_english_can_be_chosen():
    client = Client()
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:login")})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    page = client.get(reverse("accounts:login"))
    assert page["Content-Language"] == "en"
    assert '<html lang="en">' in page.content.decode()


def test_chinese_can_be_chosen_back():
    client = Client()
    client.post(reverse("set_language"), {"language": "en"})
    client.post(reverse("set_language"), {"language": "zh-hans"})
    assert client.get(reverse("accounts:login"))["Content-Language"] == "zh-hans"


def test_passwords_of_a_sign_up_stay_out_of_error_reports(client, db):
    response = client.post(reverse("accounts:sign_up"), {"password": "x", "password_again": "y"})
    assert response.status_code == 200  # the form, with its errors
    assert set(response.wsgi_request.sensitive_post_parameters) == {"password", "password_again"}
