"""Setting up registration offices: the province only, with codes that stay fixed once used."""

import pytest
from django.urls import reverse

from apps.accounts.models import OrganisationKind, Role
from apps.contracts import errors, services
from apps.contracts.models import RegistrationOffice
from apps.core.errors import Conflict, InvalidInput, PermissionDenied
from apps.core.models import Region


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCE_ADMIN)


@pytest.fixture
def office_org(make_organisation):
    return make_organisation(kind=OrganisationKind.REGISTRATION_OFFICE, region="130200")


def test_the_province_sets_up_an_office_that_sellers_can_then_use(province, office_org, make_organisation):
    tangshan = Region.objects.get(code="130200")
    office = services.office_save(actor=province, organisation=office_org, code="0201", covers_region=tangshan)
    seller = make_organisation(region="130203")
    from apps.contracts.selectors import offices_for_seller

    assert list(offices_for_seller(seller)) == [office]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "21"}, "code"),
        ({"covers_region": "130000"}, "covers_region"),
        ({"covers_region": "110000"}, "covers_region"),
        ({"covers_region": None}, "covers_region"),
    ],
)
def test_bad_settings_are_refused(province, office_org, changes, field):
    values = {"organisation": office_org, "code": "0201", "covers_region": "130200"}
    values.update(changes)
    region = values.pop("covers_region")
    with pytest.raises(InvalidInput) as raised:
        services.office_save(
            actor=province, covers_region=Region.objects.get(code=region) if region else None, **values
        )
    assert raised.value.field == field
    assert not RegistrationOffice.objects.exists()


def test_an_enterprise_cannot_run_an_office_and_codes_are_unique(province, office, make_organisation):
    enterprise = make_organisation()
    with pytest.raises(InvalidInput):
        services.office_save(actor=province, organisation=enterprise, code="0202", covers_region=None)
    other = make_organisation(kind=OrganisationKind.REGISTRATION_OFFICE, region="130100")
    with pytest.raises(InvalidInput) as raised:
        services.office_save(actor=province, organisation=other, code=office.code, covers_region=office.covers_region)
    assert raised.value.code == errors.OFFICE_CODE_TAKEN


def test_a_used_code_cannot_change_but_the_area_can(province, make_contract, office):
    make_contract("registered")
    with pytest.raises(Conflict) as raised:
        services.office_save(
            actor=province,
            office=office,
            organisation=office.organisation,
            code="0199",
            covers_region=office.covers_region,
        )
    assert raised.value.code == errors.OFFICE_CODE_FIXED
    county = Region.objects.get(code="130108")
    services.office_save(
        actor=province, office=office, organisation=office.organisation, code="0101", covers_region=county
    )
    office.refresh_from_db()
    assert (office.code, office.covers_region_id) == ("0101", "130108")


@pytest.mark.parametrize("role", [Role.CITY_OFFICIAL, Role.REGISTRAR, Role.ENTERPRISE])
def test_only_the_province_manages_offices(make_user, office_org, client_for, role):
    user = make_user(role)
    with pytest.raises(PermissionDenied):
        services.office_save(actor=user, organisation=office_org, code="0201", covers_region=None)
    assert client_for(user).get(reverse("contracts:offices")).status_code == 403
    assert client_for(user).get(reverse("contracts:office_create")).status_code == 403


def test_the_pages(province, office_org, client_for, office):
    client = client_for(province)
    assert office.organisation.name in client.get(reverse("contracts:offices")).content.decode()
    response = client.post(
        reverse("contracts:office_create"),
        {"organisation": office_org.pk, "code": "0201", "covers_region": "130200", "is_active": "on"},
    )
    assert response.status_code == 302
    assert RegistrationOffice.objects.get(code="0201").covers_region_id == "130200"
    response = client.post(
        reverse("contracts:office_edit", args=[office.pk]),
        {"organisation": office.organisation_id, "code": "0201", "covers_region": "130100"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["code"]
