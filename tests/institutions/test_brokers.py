"""Brokers and technology managers: registration, training at filed bases, the public directory, the counts."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import Membership, Role
from apps.core.errors import Conflict, InvalidInput, PermissionDenied
from apps.institutions import selectors, services
from apps.institutions.models import Broker
from apps.institutions.services import BrokerInput
from tests.institutions.conftest import institution_input


def broker_input(**overrides) -> BrokerInput:
    values = {
        "name": "李经纪",
        "title": "intermediate",
        "certificate_number": "JJR-2025-000123",
        "certified_on": date(2025, 6, 30),
        "region": "130108",
        "tech_fields": ["03", "06"],
        "profile": "长期从事装备制造领域技术转移",
        "phone": "13800000000",
    }
    values.update(overrides)
    return BrokerInput(**values)


@pytest.fixture
def training_base(province):
    return services.institution_enter(
        actor=province,
        host=None,
        data=institution_input(
            name="河北省技术转移人才培养基地",
            kind="training_base",
            recognised_on=date(2024, 3, 1),
            document_number="冀科〔2024〕5号",
        ),
    )


def test_an_institution_registers_its_broker_and_records_training(host_user, host, training_base):
    broker = services.broker_register(actor=host_user, data=broker_input(), affiliation=host)
    record = services.broker_training_add(
        actor=host_user,
        broker=broker,
        training_base=training_base,
        course="技术经纪人（中级）培训",
        hours=48,
        completed_on=date(2025, 6, 1),
    )
    assert record.training_base == training_base
    assert selectors.broker_counts() == {"junior": 0, "intermediate": 1, "senior": 0, "total": 1}
    assert selectors.broker_counts(trained_only=True)["total"] == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"title": "master"}, "title"),
        ({"certificate_number": " "}, "certificate_number"),
        ({"certified_on": timezone.localdate() + timedelta(days=1)}, "certified_on"),
        ({"region": "110108"}, "region"),
        ({"tech_fields": ["99"]}, "tech_fields"),
    ],
)
def test_bad_registrations_are_refused(province, overrides, field):
    with pytest.raises(InvalidInput) as raised:
        services.broker_register(actor=province, data=broker_input(**overrides))
    assert raised.value.field == field
    assert not Broker.objects.exists()


def test_certificates_are_unique_and_training_is_at_a_filed_base(province, make_institution):
    broker = services.broker_register(actor=province, data=broker_input())
    with pytest.raises(InvalidInput) as raised:
        services.broker_register(actor=province, data=broker_input(name="另一人"))
    assert raised.value.code == "certificate_taken"
    not_a_base = make_institution("active")
    with pytest.raises(InvalidInput):
        services.broker_training_add(
            actor=province, broker=broker, training_base=not_a_base, course="x", hours=8, completed_on=date(2025, 1, 1)
        )


def test_only_the_province_or_the_affiliation_manages_a_broker(host, make_user, province):
    broker = services.broker_register(actor=province, data=broker_input(), affiliation=host)
    stranger = make_user(Role.INSTITUTION)
    with pytest.raises(PermissionDenied):
        services.broker_register(actor=stranger, data=broker_input(certificate_number="X-1"), affiliation=host)
    with pytest.raises(PermissionDenied):
        services.broker_training_add(
            actor=make_user(Role.CITY_OFFICIAL), broker=broker, training_base=None, course="x", hours=1,
            completed_on=date(2025, 1, 1),
        )  # fmt: skip
    colleague = make_user()
    Membership.objects.create(user=colleague, organisation=host, role=Role.INSTITUTION)
    services.broker_register(actor=colleague, data=broker_input(certificate_number="X-2"), affiliation=host)


def test_the_public_directory_searches_and_hides_phones(province):
    services.broker_register(actor=province, data=broker_input())
    services.broker_register(
        actor=province, data=broker_input(name="张经理", certificate_number="JLR-1", title="senior", role="manager",
                                          tech_fields=["04"], region="130203")
    )  # fmt: skip
    assert [b.name for b in selectors.broker_directory(q="张")] == ["张经理"]
    assert len(selectors.broker_directory(q="装备制造")) == 2  # the profile is searched too
    assert [b.name for b in selectors.broker_directory(tech_field="04")] == ["张经理"]
    assert [b.name for b in selectors.broker_directory(unit="130100")] == ["李经纪"]
    assert [b.name for b in selectors.broker_directory(title="senior")] == ["张经理"]
    listed = selectors.broker_directory()[0]
    assert "phone" in listed.get_deferred_fields()


def test_the_broker_directory_api_is_public_and_hides_phones(province, client):
    from rest_framework.test import APIClient

    broker = services.broker_register(actor=province, data=broker_input())
    api = APIClient()
    body = api.get("/api/v1/brokers/", {"tech_field": "03"}).json()
    assert [row["name"] for row in body["results"]] == ["李经纪"]
    assert "phone" not in body["results"][0]
    assert api.get(f"/api/v1/brokers/{broker.pk}/").json()["certificate_number"] == "JJR-2025-000123"
    Broker.objects.filter(pk=broker.pk).update(is_active=False)
    assert api.get(f"/api/v1/brokers/{broker.pk}/").status_code == 404


# Taking a broker off the public directory ------------------------------------------------------------


def test_a_deactivated_broker_leaves_the_directory_with_the_reason_in_the_history(host_user, host, province):
    from django.apps import apps as django_apps
    from rest_framework.test import APIClient

    broker = services.broker_register(actor=province, data=broker_input(), affiliation=host)
    broker = services.broker_set_active(actor=host_user, broker=broker, active=False, reason="本人申请注销")
    assert Broker.objects.get(pk=broker.pk).is_active is False
    assert list(selectors.broker_directory()) == []
    assert selectors.broker_counts()["total"] == 0
    assert APIClient().get("/api/v1/brokers/").json()["count"] == 0
    assert APIClient().get(f"/api/v1/brokers/{broker.pk}/").status_code == 404
    assert [b.pk for b in selectors.broker_list(actor=host_user)] == [broker.pk]  # the registry keeps them
    event = django_apps.get_model("institutions", "BrokerEvent").objects.filter(pgh_obj_id=broker.pk).latest("pgh_id")
    assert (event.is_active, event.pgh_context.metadata["action"]) == (False, "broker.deactivate")
    assert event.pgh_context.metadata["reason"] == "本人申请注销"
    assert event.pgh_context.metadata["user"] == host_user.pk

    services.broker_set_active(actor=province, broker=broker, active=True)
    assert [b.pk for b in selectors.broker_directory()] == [broker.pk]


def test_deactivation_needs_a_reason_the_policy_and_a_change(host, province, make_user):
    broker = services.broker_register(actor=province, data=broker_input(), affiliation=host)
    with pytest.raises(InvalidInput) as raised:
        services.broker_set_active(actor=province, broker=broker, active=False, reason=" ")
    assert (raised.value.code, raised.value.field) == ("reason_required", "reason")
    for stranger in (make_user(Role.INSTITUTION), make_user(Role.CITY_OFFICIAL), make_user(Role.BROKER)):
        with pytest.raises(PermissionDenied):
            services.broker_set_active(actor=stranger, broker=broker, active=False, reason="x")
    with pytest.raises(Conflict) as raised:
        services.broker_set_active(actor=province, broker=broker, active=True)
    assert raised.value.code == "illegal_transition"
    assert Broker.objects.get(pk=broker.pk).is_active is True


def test_the_api_takes_a_broker_off_for_those_who_manage_it(host, host_user, province, api_for, make_user):
    broker = services.broker_register(actor=province, data=broker_input(), affiliation=host)
    url = f"/api/v1/brokers/{broker.pk}/active/"
    assert api_for(make_user(Role.INSTITUTION)).post(url, {"active": False, "reason": "x"}).status_code == 404
    response = api_for(host_user).post(url, {"active": False}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "reason_required")
    response = api_for(host_user).post(url, {"active": False, "reason": "证书被撤销"}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert "phone" not in response.json()
    assert api_for(host_user).post(url, {"active": False, "reason": "再次"}, format="json").status_code == 409
    assert Broker.objects.get(pk=broker.pk).is_active is False
