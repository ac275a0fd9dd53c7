"""The accounts services: sign-up, the organisation status workflow and memberships."""

import pytest
from django.utils import translation

from apps.accounts import errors as account_errors
from apps.accounts.models import Membership, Organisation, OrganisationKind, OrganisationStatus, Role, User
from apps.accounts.services import membership_create, organisation_sign_up, organisation_transition
from apps.core import errors
from apps.core.models import Region
from hebtt import settings as production_settings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

CREDIT_CODE = "91110108551385082Q"
SIGN_UP_PASSWORD = "Zhengding-Lathes-1987"


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English, whatever catalogues are compiled."""
    with translation.override("en"):
        yield


def sign_up(**overrides):
    data = {
        "name": "正定县恒达机床有限公司",
        "credit_code": CREDIT_CODE,
        "region": Region.objects.get(code="130123"),
        "party_type": "170",
        "username": "hengda_lathes",
        "password": SIGN_UP_PASSWORD,
        "email": "wang@hengda.example.cn",
        "display_name": "王经理",
        "contact_phone": "0311-88001234",
        "address": "正定县常山东路8号",
    }
    data.update(overrides)
    return organisation_sign_up(**data)


def counts():
    return User.objects.count(), Organisation.objects.count(), Membership.objects.count()


def org_events(organisation):
    return Organisation.pgh_event_model.objects.filter(pgh_obj=organisation).order_by("pgh_id")


# Sign-up ---------------------------------------------------------------------------------------


def test_sign_up_creates_a_pending_enterprise():
    membership = sign_up()
    organisation = Organisation.objects.get(pk=membership.organisation_id)
    assert organisation.status == OrganisationStatus.PENDING
    assert organisation.kind == OrganisationKind.ENTERPRISE
    assert organisation.credit_code == CREDIT_CODE
    assert organisation.region_id == "130123"
    assert organisation.party_type == "170"
    assert (organisation.contact_name, organisation.contact_email) == ("王经理", "wang@hengda.example.cn")


def test_sign_up_creates_the_user_with_an_enterprise_membership():
    membership = sign_up()
    user = User.objects.get(username="hengda_lathes")
    assert membership.user == user
    assert membership.role == Role.ENTERPRISE
    assert membership.is_active
    assert user.display_name == "王经理"


def test_sign_up_hashes_the_password_with_argon2(settings):
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS  # undo fast_password_hashing
    sign_up()
    user = User.objects.get(username="hengda_lathes")
    assert user.password.startswith("argon2")
    assert user.check_password(SIGN_UP_PASSWORD)


def test_sign_up_normalises_the_credit_code():
    membership = sign_up(credit_code=" 9111 0108 5513 8508 2q ")
    assert membership.organisation.credit_code == CREDIT_CODE


def test_sign_up_records_the_audit_context():
    membership = sign_up()
    event = org_events(membership.organisation).get()
    assert event.pgh_label == "insert"
    assert event.pgh_context.metadata["action"] == "organisation.sign_up"


def _assert_refused(code, field, **overrides):
    before = counts()
    with pytest.raises(errors.InvalidInput) as info:
        sign_up(**overrides)
    assert info.value.code == code
    assert info.value.field == field
    assert counts() == before
    return info.value


def test_sign_up_refuses_a_wrong_check_character():
    error = _assert_refused("credit_code_check", "credit_code", credit_code="91110108551385082R")
    assert "check character" in str(error.message)
    assert "expected Q" in str(error.message)


@pytest.mark.parametrize(
    ("credit_code", "code"),
    [("9111010855138508", "credit_code_length"), ("9111010855138508IQ", "credit_code_charset")],
)
def test_sign_up_refuses_a_malformed_credit_code(credit_code, code):
    _assert_refused(code, "credit_code", credit_code=credit_code)


def test_sign_up_refuses_a_credit_code_already_registered(make_organisation):
    taken = make_organisation(region="130108").credit_code
    error = _assert_refused("credit_code_taken", "credit_code", credit_code=taken)
    assert "already registered" in str(error.message)


def test_sign_up_refuses_a_registered_credit_code_typed_in_lower_case(make_organisation):
    taken = make_organisation(region="130108").credit_code
    _assert_refused("credit_code_taken", "credit_code", credit_code=taken.lower())


@pytest.mark.parametrize("region", ["110000", "130000"])
def test_sign_up_refuses_a_region_that_is_not_below_hebei(region):
    _assert_refused("region_not_in_hebei", "region", region=Region.objects.get(code=region))


def test_sign_up_accepts_a_city_level_region():
    assert sign_up(region=Region.objects.get(code="130100")).organisation.region_id == "130100"


def test_sign_up_refuses_a_user_name_taken_in_another_case(make_user):
    make_user(username="Hengda_Lathes")
    _assert_refused("username_taken", "username", username="hengda_LATHES")


@pytest.mark.parametrize("password", ["short", "password123", "12345678901234", "hengda_lathes"])
def test_sign_up_refuses_a_weak_password(password):
    _assert_refused("weak_password", "password", password=password)


def test_sign_up_refuses_an_empty_name():
    _assert_refused("invalid", "name", name="   ")


# Organisation status workflow --------------------------------------------------------------------


@pytest.fixture
def city_official(make_user):
    return make_user(Role.CITY_OFFICIAL, region="130100")


@pytest.fixture
def pending(make_organisation):
    return make_organisation(region="130123", status=OrganisationStatus.PENDING)


def test_activate_makes_a_pending_organisation_active(city_official, pending):
    result = organisation_transition(actor=city_official, organisation=pending, action="activate")
    pending.refresh_from_db()
    assert result.status == pending.status == OrganisationStatus.ACTIVE
    assert pending.status_changed_by == city_official
    assert pending.status_changed_at is not None


def test_activate_records_the_actor_in_the_history(city_official, pending):
    organisation_transition(actor=city_official, organisation=pending, action="activate")
    event = org_events(pending).last()
    assert event.status == OrganisationStatus.ACTIVE
    assert event.pgh_context.metadata["user"] == city_official.pk
    assert event.pgh_context.metadata["action"] == "organisation.activate"


def test_reject_records_the_reason(city_official, pending):
    organisation_transition(actor=city_official, organisation=pending, action="reject", reason="  信用代码与名称不符 ")
    pending.refresh_from_db()
    assert pending.status == OrganisationStatus.REJECTED
    assert pending.status_reason == "信用代码与名称不符"
    assert pending.status_changed_by == city_official
    metadata = org_events(pending).last().pgh_context.metadata
    assert metadata["reason"] == "信用代码与名称不符"
    assert metadata["user"] == city_official.pk


def test_suspend_makes_an_active_organisation_suspended(city_official, make_organisation):
    organisation = make_organisation(region="130110")
    organisation_transition(actor=city_official, organisation=organisation, action="suspend", reason="虚假登记")
    organisation.refresh_from_db()
    assert organisation.status == OrganisationStatus.SUSPENDED
    assert organisation.status_changed_by == city_official
    metadata = org_events(organisation).last().pgh_context.metadata
    assert (metadata["action"], metadata["reason"], metadata["user"]) == (
        "organisation.suspend",
        "虚假登记",
        city_official.pk,
    )


def test_reinstate_makes_a_suspended_organisation_active(city_official, make_organisation):
    organisation = make_organisation(region="130110", status=OrganisationStatus.SUSPENDED)
    organisation_transition(actor=city_official, organisation=organisation, action="reinstate")
    organisation.refresh_from_db()
    assert organisation.status == OrganisationStatus.ACTIVE
    assert organisation.status_changed_by == city_official
    assert org_events(organisation).last().pgh_context.metadata["user"] == city_official.pk


def test_the_system_may_transition_without_an_actor(pending):
    organisation_transition(actor=None, organisation=pending, action="activate")
    pending.refresh_from_db()
    assert pending.status == OrganisationStatus.ACTIVE
    assert pending.status_changed_by is None
    assert org_events(pending).last().pgh_context.metadata["user"] is None


@pytest.mark.parametrize(("action", "status"), [("reject", "pending"), ("suspend", "active")])
@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_and_suspend_need_a_reason(city_official, make_organisation, action, status, reason):
    organisation = make_organisation(region="130123", status=status)
    events = org_events(organisation).count()
    with pytest.raises(account_errors.ReasonRequired) as info:
        organisation_transition(actor=city_official, organisation=organisation, action=action, reason=reason)
    assert info.value.code == "reason_required"
    assert info.value.field == "reason"
    organisation.refresh_from_db()
    assert organisation.status == status
    assert org_events(organisation).count() == events


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("activate", OrganisationStatus.ACTIVE),
        ("activate", OrganisationStatus.REJECTED),
        ("activate", OrganisationStatus.SUSPENDED),
        ("reject", OrganisationStatus.ACTIVE),
        ("suspend", OrganisationStatus.PENDING),
        ("suspend", OrganisationStatus.SUSPENDED),
        ("reinstate", OrganisationStatus.PENDING),
        ("reinstate", OrganisationStatus.ACTIVE),
    ],
)
def test_illegal_transition_is_a_conflict_and_changes_nothing(city_official, make_organisation, action, status):
    organisation = make_organisation(region="130123", status=status)
    events = org_events(organisation).count()
    with pytest.raises(errors.Conflict) as info:
        organisation_transition(actor=city_official, organisation=organisation, action=action, reason="原因")
    assert isinstance(info.value, account_errors.OrganisationTransitionError)
    assert info.value.code == "illegal_transition"
    assert info.value.status == 409
    organisation.refresh_from_db()
    assert organisation.status == status
    assert organisation.status_changed_by is None
    assert organisation.status_reason == ""
    assert org_events(organisation).count() == events


def test_illegal_transition_message_names_the_state(city_official, make_organisation):
    organisation = make_organisation(region="130123", status=OrganisationStatus.ACTIVE)
    with pytest.raises(errors.Conflict) as info:
        organisation_transition(actor=city_official, organisation=organisation, action="activate")
    assert "Active" in str(info.value.message)


@pytest.mark.parametrize(
    ("role", "region", "action", "status"),
    [
        (Role.CITY_OFFICIAL, "130200", "activate", OrganisationStatus.PENDING),  # 唐山 deciding a 石家庄 sign-up
        (Role.CITY_OFFICIAL, "130200", "reject", OrganisationStatus.PENDING),
        (Role.COUNTY_OFFICIAL, "130110", "activate", OrganisationStatus.PENDING),  # 鹿泉 deciding a 正定 sign-up
        (Role.COUNTY_OFFICIAL, "130123", "suspend", OrganisationStatus.ACTIVE),  # a county bureau cannot suspend
        (Role.REGISTRAR, "130100", "activate", OrganisationStatus.PENDING),
        (Role.ENTERPRISE, "130123", "activate", OrganisationStatus.PENDING),
    ],
)
def test_transition_refused_without_permission(make_user, make_organisation, role, region, action, status):
    actor = make_user(role, region=region)
    organisation = make_organisation(region="130123", status=status)
    events = org_events(organisation).count()
    with pytest.raises(errors.PermissionDenied):
        organisation_transition(actor=actor, organisation=organisation, action=action, reason="原因")
    organisation.refresh_from_db()
    assert organisation.status == status
    assert org_events(organisation).count() == events


def test_county_official_may_activate_in_its_county(make_user, pending):
    county_official = make_user(Role.COUNTY_OFFICIAL, region="130123")
    organisation_transition(actor=county_official, organisation=pending, action="activate")
    pending.refresh_from_db()
    assert pending.status == OrganisationStatus.ACTIVE


def test_activation_emails_the_members_after_commit(
    city_official, make_user, pending, mailoutbox, django_capture_on_commit_callbacks
):
    member = make_user(Role.ENTERPRISE, organisation=pending)
    with django_capture_on_commit_callbacks(execute=True):
        organisation_transition(actor=city_official, organisation=pending, action="activate")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [member.email]
    assert pending.name in mailoutbox[0].subject


def test_no_email_before_the_commit(city_official, make_user, pending, mailoutbox, django_capture_on_commit_callbacks):
    make_user(Role.ENTERPRISE, organisation=pending)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        organisation_transition(actor=city_official, organisation=pending, action="activate")
    assert len(callbacks) == 1
    assert mailoutbox == []


def test_rejection_email_gives_the_reason(
    city_official, make_user, pending, mailoutbox, django_capture_on_commit_callbacks
):
    make_user(Role.ENTERPRISE, organisation=pending)
    with django_capture_on_commit_callbacks(execute=True):
        organisation_transition(actor=city_official, organisation=pending, action="reject", reason="名称与执照不符")
    assert "名称与执照不符" in mailoutbox[0].body


def test_refused_transition_sends_no_email(make_user, pending, mailoutbox, django_capture_on_commit_callbacks):
    make_user(Role.ENTERPRISE, organisation=pending)
    tangshan_official = make_user(Role.CITY_OFFICIAL, region="130200")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(errors.PermissionDenied):
        organisation_transition(actor=tangshan_official, organisation=pending, action="activate")
    assert mailoutbox == []


# Memberships ---------------------------------------------------------------------------------------


def test_membership_create_refuses_a_role_unsuitable_for_the_kind(make_user, make_organisation):
    province_admin = make_user(Role.PROVINCE_ADMIN)
    enterprise = make_organisation(kind=OrganisationKind.ENTERPRISE, region="130123")
    user = make_user()
    before = Membership.objects.count()
    with pytest.raises(errors.InvalidInput) as info:
        membership_create(actor=province_admin, user=user, organisation=enterprise, role=Role.UNIVERSITY)
    assert info.value.code == "role_not_allowed_for_kind"
    assert info.value.field == "role"
    assert Membership.objects.count() == before


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (OrganisationKind.ENTERPRISE, Role.CITY_OFFICIAL),
        (OrganisationKind.UNIVERSITY, Role.ENTERPRISE),
        (OrganisationKind.ST_BUREAU, Role.REGISTRAR),
        (OrganisationKind.REGISTRATION_OFFICE, Role.PROVINCE_ADMIN),
    ],
)
def test_membership_create_by_the_system_still_checks_the_kind(make_user, make_organisation, kind, role):
    organisation = make_organisation(kind=kind, region="130123")
    with pytest.raises(errors.InvalidInput) as info:
        membership_create(actor=None, user=make_user(), organisation=organisation, role=role)
    assert info.value.code == "role_not_allowed_for_kind"


def test_province_admin_appoints_a_city_official(make_user, make_organisation):
    province_admin = make_user(Role.PROVINCE_ADMIN)
    bureau = make_organisation(kind=OrganisationKind.ST_BUREAU, region="130200")
    user = make_user()
    membership = membership_create(actor=province_admin, user=user, organisation=bureau, role=Role.CITY_OFFICIAL)
    assert membership.pk is not None
    assert Membership.objects.get(user=user).role == Role.CITY_OFFICIAL


def test_city_official_appoints_an_enterprise_user_in_its_unit(city_official, make_user, make_organisation):
    enterprise = make_organisation(region="130110")
    membership = membership_create(actor=city_official, user=make_user(), organisation=enterprise, role=Role.ENTERPRISE)
    assert membership.pk is not None


def test_city_official_may_not_appoint_an_official(city_official, make_user, make_organisation):
    bureau = make_organisation(kind=OrganisationKind.ST_BUREAU, region="130123")
    with pytest.raises(errors.PermissionDenied):
        membership_create(actor=city_official, user=make_user(), organisation=bureau, role=Role.COUNTY_OFFICIAL)


def test_city_official_may_not_appoint_in_another_unit(city_official, make_user, make_organisation):
    enterprise = make_organisation(region="130203")
    with pytest.raises(errors.PermissionDenied):
        membership_create(actor=city_official, user=make_user(), organisation=enterprise, role=Role.ENTERPRISE)


def test_membership_create_twice_returns_the_same_membership(make_user, make_organisation):
    enterprise = make_organisation(region="130123")
    user = make_user()
    first = membership_create(actor=None, user=user, organisation=enterprise, role=Role.ENTERPRISE)
    second = membership_create(actor=None, user=user, organisation=enterprise, role=Role.ENTERPRISE)
    assert first.pk == second.pk
    assert Membership.objects.filter(user=user).count() == 1


def test_membership_create_reactivates_an_inactive_membership(make_user, make_organisation):
    enterprise = make_organisation(region="130123")
    user = make_user()
    first = membership_create(actor=None, user=user, organisation=enterprise, role=Role.ENTERPRISE)
    Membership.objects.filter(pk=first.pk).update(is_active=False)
    again = membership_create(actor=None, user=user, organisation=enterprise, role=Role.ENTERPRISE)
    assert again.pk == first.pk
    assert Membership.objects.get(pk=first.pk).is_active
