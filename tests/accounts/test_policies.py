"""The permission matrix of the accounts app: role × action × target organisation.

Every case checks both halves of a policy: ``may(user, action, obj)`` and ``scope(user, action,
queryset)``, which must agree, since lists and detail pages rely on the one and the other.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from apps.accounts.models import Membership, Organisation, OrganisationKind, OrganisationStatus, Role, User
from apps.accounts.policies import check, may, scope
from apps.core import errors

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

VIEW, REVIEW, SUPERVISE = "organisation.view", "organisation.review", "organisation.supervise"
ACTIONS = [VIEW, REVIEW, SUPERVISE]

# Target organisations, seen from an actor whose organisation sits where conftest.ROLE_DEFAULTS puts it
# (officials and registration offices in 石家庄 130100, the county bureau in 正定县 130123).
OWN = "own"
ZHENGDING = "zhengding-130123"  # an enterprise in 正定县, 石家庄
LUQUAN = "luquan-130110"  # an enterprise in 鹿泉区, 石家庄
TANGSHAN = "tangshan-130203"  # an enterprise in 路北区, 唐山
TARGETS = [OWN, ZHENGDING, LUQUAN, TANGSHAN]
TARGET_REGIONS = {ZHENGDING: "130123", LUQUAN: "130110", TANGSHAN: "130203"}

Y, N = True, False
# role -> action -> (own, 正定, 鹿泉, 唐山)
EXPECTED = {
    Role.PROVINCE_ADMIN: {VIEW: (Y, Y, Y, Y), REVIEW: (Y, Y, Y, Y), SUPERVISE: (Y, Y, Y, Y)},
    Role.CITY_OFFICIAL: {VIEW: (Y, Y, Y, N), REVIEW: (Y, Y, Y, N), SUPERVISE: (Y, Y, Y, N)},
    Role.COUNTY_OFFICIAL: {VIEW: (Y, Y, N, N), REVIEW: (Y, Y, N, N), SUPERVISE: (N, N, N, N)},
    Role.REGISTRAR: {VIEW: (Y, Y, Y, N), REVIEW: (N, N, N, N), SUPERVISE: (N, N, N, N)},
    Role.APPROVER: {VIEW: (Y, Y, Y, N), REVIEW: (N, N, N, N), SUPERVISE: (N, N, N, N)},
    Role.ENTERPRISE: {VIEW: (Y, N, N, N), REVIEW: (N, N, N, N), SUPERVISE: (N, N, N, N)},
    Role.UNIVERSITY: {VIEW: (Y, N, N, N), REVIEW: (N, N, N, N), SUPERVISE: (N, N, N, N)},
    Role.INSTITUTION: {VIEW: (Y, N, N, N), REVIEW: (N, N, N, N), SUPERVISE: (N, N, N, N)},
    Role.BROKER: {VIEW: (Y, N, N, N), REVIEW: (N, N, N, N), SUPERVISE: (N, N, N, N)},
}
MATRIX = [
    pytest.param(role, action, target, EXPECTED[role][action][index], id=f"{role}-{action}-{target}")
    for role in Role
    for action in ACTIONS
    for index, target in enumerate(TARGETS)
]
SCOPE_MATRIX = MATRIX


def test_the_table_covers_every_role():
    assert set(EXPECTED) == set(Role)


def in_scope(user, action, organisation) -> bool:
    return scope(user, action, Organisation.objects.all()).filter(pk=organisation.pk).exists()


def assert_decision(user, action, organisation, expected):
    assert may(user, action, organisation) is expected
    assert in_scope(user, action, organisation) is expected


def actor_and_target(make_user, make_organisation, role, target):
    user = make_user(role)
    if target == OWN:
        return user, user.memberships.get().organisation
    return user, make_organisation(region=TARGET_REGIONS[target])


@pytest.mark.parametrize(("role", "action", "target", "expected"), MATRIX)
def test_may_matrix(make_user, make_organisation, role, action, target, expected):
    user, organisation = actor_and_target(make_user, make_organisation, role, target)
    assert may(user, action, organisation) is expected


@pytest.mark.parametrize(("role", "action", "target", "expected"), SCOPE_MATRIX)
def test_scope_matrix(make_user, make_organisation, role, action, target, expected):
    user, organisation = actor_and_target(make_user, make_organisation, role, target)
    assert in_scope(user, action, organisation) is expected


# Users without powers ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_user_may_do_nothing(make_organisation, action):
    organisation = make_organisation(region="130123")
    assert_decision(AnonymousUser(), action, organisation, False)
    assert not scope(AnonymousUser(), action, Organisation.objects.all()).exists()


@pytest.mark.parametrize("action", ACTIONS)
def test_user_without_membership_may_do_nothing(make_user, make_organisation, action):
    user = make_user()
    organisation = make_organisation(region="130123")
    assert_decision(user, action, organisation, False)
    assert not scope(user, action, Organisation.objects.all()).exists()


@pytest.mark.parametrize("action", ACTIONS)
def test_inactive_membership_gives_no_powers(make_user, make_organisation, action):
    user = make_user(Role.PROVINCE_ADMIN)
    Membership.objects.filter(user=user).update(is_active=False)
    organisation = make_organisation(region="130123")
    assert_decision(user, action, organisation, False)


@pytest.mark.parametrize("action", ACTIONS)
def test_deactivated_user_may_do_nothing(make_user, make_organisation, action):
    user = make_user(Role.PROVINCE_ADMIN)
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.refresh_from_db()
    organisation = make_organisation(region="130123")
    assert_decision(user, action, organisation, False)


INACTIVE_STATUSES = [OrganisationStatus.PENDING, OrganisationStatus.SUSPENDED, OrganisationStatus.REJECTED]


@pytest.mark.parametrize("status", INACTIVE_STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_official_of_an_inactive_organisation_has_no_powers(make_user, make_organisation, status, action):
    user = make_user(Role.PROVINCE_ADMIN, org_status=status)
    organisation = make_organisation(region="130123")
    assert_decision(user, action, organisation, False)


@pytest.mark.parametrize("status", INACTIVE_STATUSES)
@pytest.mark.parametrize("action", [REVIEW, SUPERVISE])
def test_official_of_an_inactive_organisation_may_not_review_or_supervise_even_its_own(make_user, status, action):
    user = make_user(Role.CITY_OFFICIAL, org_status=status)
    assert_decision(user, action, user.memberships.get().organisation, False)


@pytest.mark.parametrize("status", INACTIVE_STATUSES)
def test_member_of_an_inactive_organisation_still_sees_its_own(make_user, status):
    # A pending sign-up logs in to follow its state: seeing its own organisation is not a power.
    user = make_user(Role.ENTERPRISE, org_status=status)
    assert_decision(user, VIEW, user.memberships.get().organisation, True)
    assert scope(user, VIEW, Organisation.objects.all()).count() == 1


def test_powers_come_only_from_the_active_organisation(make_user, make_organisation):
    user = make_user(Role.COUNTY_OFFICIAL, org_status=OrganisationStatus.SUSPENDED)
    tangshan_bureau = make_organisation(kind=OrganisationKind.ST_BUREAU, region="130200")
    Membership.objects.create(user=user, organisation=tangshan_bureau, role=Role.CITY_OFFICIAL)
    user = User.objects.get(pk=user.pk)

    assert_decision(user, REVIEW, make_organisation(region="130123"), False)
    assert_decision(user, REVIEW, make_organisation(region="130203"), True)


@pytest.mark.parametrize("action", ACTIONS)
def test_superuser_may_do_everything(make_organisation, action):
    superuser = User.objects.create_superuser("root", "root@example.cn", "Correct-Horse-42")
    for region in ("130123", "130203", "130638"):
        assert_decision(superuser, action, make_organisation(region=region), True)
    assert scope(superuser, action, Organisation.objects.all()).count() == Organisation.objects.count()


# Assessment units that are not cities --------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_shijiazhuang_official_does_not_oversee_xinji(make_user, make_organisation, action):
    official = make_user(Role.CITY_OFFICIAL, region="130100")
    assert_decision(official, action, make_organisation(region="130181"), False)


@pytest.mark.parametrize("action", ACTIONS)
def test_xinji_official_oversees_xinji(make_user, make_organisation, action):
    official = make_user(Role.CITY_OFFICIAL, region="130181")
    assert_decision(official, action, make_organisation(region="130181"), True)
    assert_decision(official, action, make_organisation(region="130123"), False)


@pytest.mark.parametrize("action", ACTIONS)
def test_baoding_official_does_not_oversee_dingzhou(make_user, make_organisation, action):
    official = make_user(Role.CITY_OFFICIAL, region="130600")
    assert_decision(official, action, make_organisation(region="130682"), False)


@pytest.mark.parametrize("action", ACTIONS)
def test_xiongan_official_oversees_xiongxian(make_user, make_organisation, action):
    official = make_user(Role.CITY_OFFICIAL, region="133100")
    for county in ("130638", "130629", "130632"):
        assert_decision(official, action, make_organisation(region=county), True)


@pytest.mark.parametrize("action", ACTIONS)
def test_baoding_official_does_not_oversee_xiongxian(make_user, make_organisation, action):
    official = make_user(Role.CITY_OFFICIAL, region="130600")
    assert_decision(official, action, make_organisation(region="130638"), False)
    assert_decision(official, action, make_organisation(region="130602"), True)


def test_county_official_does_not_see_the_city_bureau(make_user, make_organisation):
    official = make_user(Role.COUNTY_OFFICIAL, region="130123")
    city_bureau = make_organisation(kind=OrganisationKind.ST_BUREAU, region="130100")
    assert_decision(official, VIEW, city_bureau, False)


def test_city_scope_is_exactly_its_unit(make_user, make_organisation):
    official = make_user(Role.CITY_OFFICIAL, region="130200")
    inside = {make_organisation(region=code).pk for code in ("130202", "130283", "130209")}
    for code in ("130123", "130638", "130181", "130682"):
        make_organisation(region=code)
    own = official.memberships.get().organisation_id
    assert set(scope(official, VIEW, Organisation.objects.all()).values_list("pk", flat=True)) == inside | {own}


# Questions without an object, and misuse ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.PROVINCE_ADMIN, True),
        (Role.CITY_OFFICIAL, True),
        (Role.COUNTY_OFFICIAL, True),
        (Role.REGISTRAR, False),
        (Role.ENTERPRISE, False),
    ],
)
def test_may_review_some_organisation(make_user, role, expected):
    assert may(make_user(role), REVIEW) is expected


def test_check_raises_permission_denied(make_user, make_organisation):
    enterprise_user = make_user(Role.ENTERPRISE)
    with pytest.raises(errors.PermissionDenied):
        check(enterprise_user, REVIEW, make_organisation(region="130108"))


def test_check_returns_the_actor_when_allowed(make_user, make_organisation):
    official = make_user(Role.CITY_OFFICIAL)
    actor = check(official, REVIEW, make_organisation(region="130123"))
    assert actor.user == official


def test_unknown_action_is_an_error(make_user):
    with pytest.raises(LookupError):
        may(make_user(Role.PROVINCE_ADMIN), "organisation.obliterate")
