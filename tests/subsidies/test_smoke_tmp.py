import pytest
pytestmark = pytest.mark.django_db

def test_factories(application_factory, insurance_programme, registered_contract_factory, applicant_org, make_organisation):
    a = application_factory("awarded")
    assert a.status == "awarded" and a.computed_amount == 30000
    b = application_factory("submitted", programme=insurance_programme)
    assert b.computed_amount == 6000
    big = registered_contract_factory(value="50000000")
    assert big.registration_number
