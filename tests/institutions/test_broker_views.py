"""The pages of technology brokers and managers: the public directory, the registry, registration and training."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import OrganisationKind, Role
from apps.institutions import services
from apps.institutions.models import Broker, TrainingRecord
from tests.contracts.conftest import (  # noqa: F401 -- fixtures that drive a contract to registration
    approver,
    make_contract,
    office,
    office_for,
    registrar,
    seller,
    seller_org,
)
from tests.institutions.conftest import institution_input
from tests.institutions.test_brokers import broker_input

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("institutions_brokers:index")
MANAGE = reverse("institutions_brokers:manage")
CREATE = reverse("institutions_brokers:create")


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def broker_data(**overrides):
    """What the browser posts for a valid registration."""
    data = {
        "name": "王经纪",
        "role": "broker",
        "title": "senior",
        "certificate_number": "JJR-2025-777",
        "certified_on": "2025-05-20",
        "region": "130108",
        "tech_fields": ["03", "06"],
        "profile": "专注先进制造成果转化",
        "phone": "13911112222",
    }
    data.update(overrides)
    return data


def training_data(base, **overrides):
    data = {
        "training_base": str(base.pk),
        "course": "技术经纪人（高级）研修",
        "hours": "32",
        "completed_on": "2025-09-01",
    }
    data.update(overrides)
    return data


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


@pytest.fixture
def listed(province, host):
    """Three brokers: two of ``host`` in 石家庄, one of the province's own in 唐山."""
    return [
        services.broker_register(actor=province, data=broker_input(), affiliation=host),
        services.broker_register(
            actor=province,
            data=broker_input(
                name="赵经纪", certificate_number="JJR-2", title="junior", tech_fields=["01"], phone="13700000001"
            ),
            affiliation=host,
        ),
        services.broker_register(
            actor=province,
            data=broker_input(
                name="张经理",
                certificate_number="JLR-1",
                title="senior",
                role="manager",
                tech_fields=["04"],
                region="130203",
                profile="生物医药",
                phone="13600000002",
            ),
        ),
    ]


@pytest.fixture
def other_institution_user(make_user):
    return make_user(Role.INSTITUTION, region="130203")


# The public directory ------------------------------------------------------------------------------


def test_the_directory_is_public_counts_by_title_and_never_shows_phones(listed):
    client = english(Client())
    response = client.get(DIRECTORY)
    assert response.status_code == 200
    page = response.content.decode()
    for broker in listed:
        assert broker.name in page
        assert broker.phone not in page
    assert 'id="count-total">3<' in page
    assert 'id="count-senior">1<' in page and 'id="count-junior">1<' in page and 'id="count-intermediate">1<' in page
    assert "Advanced manufacturing" in page  # field codes are shown as labels
    assert 'id="manage-link"' not in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "张"}, {"张经理"}),
        ({"q": "生物医药"}, {"张经理"}),  # the profile is searched too
        ({"title": "junior"}, {"赵经纪"}),
        ({"tech_field": "04"}, {"张经理"}),
        ({"unit": "130100"}, {"李经纪", "赵经纪"}),
        ({"unit": "130200", "title": "senior"}, {"张经理"}),
    ],
)
def test_the_directory_filters(client, listed, params, expected):
    response = client.get(DIRECTORY, params)
    shown = {broker.name for broker in response.context["page"].object_list}
    assert shown == expected


def test_an_invalid_filter_is_ignored_with_a_message(client, listed):
    response = english(client).get(DIRECTORY, {"title": "master"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 3
    assert "Some filters are not valid; they were ignored." in response.content.decode()


def test_inactive_brokers_are_not_listed(client, listed):
    Broker.objects.filter(pk=listed[0].pk).update(is_active=False)
    response = client.get(DIRECTORY)
    assert listed[0].name not in response.content.decode()
    assert response.context["total"] == 2


def test_the_directory_reads_a_fixed_number_of_queries(client, province, host, django_assert_num_queries):
    def register(count, start):
        for number in range(start, start + count):
            services.broker_register(
                actor=province,
                data=broker_input(name=f"经纪{number}", certificate_number=f"N-{number}"),
                affiliation=host,
            )

    register(2, 0)
    with django_assert_num_queries(5):  # code list, units, count, page, counts by title
        client.get(DIRECTORY)
    register(8, 2)
    with django_assert_num_queries(5):
        response = client.get(DIRECTORY)
    assert len(response.context["page"].object_list) == 10


# The registry ---------------------------------------------------------------------------------------


def test_the_registry_is_for_those_who_manage_brokers(client, client_for, make_user, host_user, province):
    assert client.get(MANAGE).status_code == 302
    assert client.get(CREATE).status_code == 302
    for user in (make_user(Role.ENTERPRISE), make_user(Role.CITY_OFFICIAL), make_user(None)):
        assert client_for(user).get(MANAGE).status_code == 403, user
        assert client_for(user).get(CREATE).status_code == 403, user
    for user in (host_user, province):
        assert client_for(user).get(MANAGE).status_code == 200
        assert client_for(user).get(CREATE).status_code == 200


def test_the_registry_shows_own_brokers_with_phones_and_the_province_all(
    client_for, listed, host_user, province, other_institution_user, training_base
):
    services.broker_training_add(
        actor=province, broker=listed[0], training_base=training_base, course="初级", hours=8,
        completed_on=date(2025, 1, 5),
    )  # fmt: skip
    response = client_for(host_user).get(MANAGE)
    rows = {broker.name: broker for broker in response.context["page"].object_list}
    assert set(rows) == {"李经纪", "赵经纪"}
    assert rows["李经纪"].training_count == 1 and rows["赵经纪"].training_count == 0
    page = response.content.decode()
    assert "13800000000" in page and "13700000001" in page and "13600000002" not in page

    response = client_for(province).get(MANAGE, {"title": "senior"})
    assert {broker.name for broker in response.context["page"].object_list} == {"张经理"}
    assert "13600000002" in response.content.decode()

    response = client_for(other_institution_user).get(MANAGE)
    assert list(response.context["page"].object_list) == []


def test_the_registry_reads_a_fixed_number_of_queries(client_for, province, host, host_user, django_assert_num_queries):
    client = client_for(host_user)
    client.get(MANAGE)  # the session is warm afterwards

    def register(count, start):
        for number in range(start, start + count):
            services.broker_register(
                actor=province,
                data=broker_input(name=f"经纪{number}", certificate_number=f"N-{number}"),
                affiliation=host,
            )

    register(2, 0)
    with django_assert_num_queries(7) as first:
        client.get(MANAGE)
    register(8, 2)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(MANAGE)
    assert len(response.context["page"].object_list) == 10


# Registration and training through the pages ----------------------------------------------------------


def test_an_institution_user_registers_a_broker_and_records_training(client_for, host_user, host, training_base):
    client = english(client_for(host_user))
    page = client.get(CREATE).content.decode()
    assert 'name="affiliation"' not in page  # their own institution, nothing to choose

    response = client.post(CREATE, broker_data())
    broker = Broker.objects.get(certificate_number="JJR-2025-777")
    detail = reverse("institutions_brokers:detail", args=[broker.pk])
    assert response.status_code == 302 and response.url == detail
    assert (broker.name, broker.affiliation, broker.region_id, broker.title) == ("王经纪", host, "130108", "senior")
    assert broker.tech_fields == ["03", "06"] and broker.phone == "13911112222"

    response = client.post(
        reverse("institutions_brokers:training_add", args=[broker.pk]), training_data(training_base), follow=True
    )
    assert response.redirect_chain[-1][0] == detail
    page = response.content.decode()
    assert "The training is recorded." in page
    assert "技术经纪人（高级）研修" in page and 'id="training-hours">32<' in page
    record = TrainingRecord.objects.get(broker=broker)
    assert (record.training_base, record.hours, record.completed_on) == (training_base, 32, date(2025, 9, 1))
    assert "13911112222" in page and 'id="no-contracts"' in page


def test_the_province_registers_a_broker_for_an_institution_or_none(client_for, province, make_organisation):
    institution_org = make_organisation(kind=OrganisationKind.TRANSFER_INSTITUTION, name="邯郸技术市场")
    make_organisation(kind=OrganisationKind.TRANSFER_INSTITUTION, status="pending", name="待激活机构")
    client = client_for(province)
    page = client.get(CREATE).content.decode()
    assert "邯郸技术市场" in page and "待激活机构" not in page

    client.post(CREATE, broker_data(affiliation=str(institution_org.pk)))
    client.post(CREATE, broker_data(certificate_number="JJR-2", affiliation=""))
    assert Broker.objects.get(certificate_number="JJR-2025-777").affiliation == institution_org
    assert Broker.objects.get(certificate_number="JJR-2").affiliation is None


def test_another_institution_can_neither_see_nor_train_the_broker(
    client_for, listed, other_institution_user, make_user, training_base
):
    broker = listed[0]
    for user in (other_institution_user, make_user(Role.CITY_OFFICIAL)):
        client = client_for(user)
        assert client.get(reverse("institutions_brokers:detail", args=[broker.pk])).status_code == 404
        response = client.post(
            reverse("institutions_brokers:training_add", args=[broker.pk]), training_data(training_base)
        )
        assert response.status_code == 404
    assert not TrainingRecord.objects.exists()


def test_the_detail_page_takes_a_broker_off_the_directory_and_back(client, client_for, listed, host_user):
    broker = listed[0]
    url = reverse("institutions_brokers:set_active", args=[broker.pk])
    page = client_for(host_user)
    assert 'id="deactivate"' in page.get(reverse("institutions_brokers:detail", args=[broker.pk])).content.decode()
    response = page.post(url, {"active": "0", "reason": ""})
    assert response.status_code == 400 and response.context["active_form"].errors["reason"]
    assert Broker.objects.get(pk=broker.pk).is_active is True
    response = page.post(url, {"active": "0", "reason": "证书已被撤销"})
    assert response.status_code == 302
    assert Broker.objects.get(pk=broker.pk).is_active is False
    assert broker.name not in client.get(DIRECTORY).content.decode()
    detail = page.get(reverse("institutions_brokers:detail", args=[broker.pk])).content.decode()
    assert 'id="reactivate"' in detail and broker.certificate_number in detail  # still in the registry
    assert page.post(url, {"active": "1"}).status_code == 302
    assert broker.name in client.get(DIRECTORY).content.decode()


def test_others_cannot_take_a_broker_off(client_for, listed, other_institution_user, make_user):
    broker = listed[0]
    url = reverse("institutions_brokers:set_active", args=[broker.pk])
    for user in (other_institution_user, make_user(Role.CITY_OFFICIAL), make_user(Role.BROKER)):
        assert client_for(user).post(url, {"active": "0", "reason": "x"}).status_code == 404
    assert Broker.objects.get(pk=broker.pk).is_active is True


def test_the_province_sees_any_broker(client_for, listed, province):
    response = client_for(province).get(reverse("institutions_brokers:detail", args=[listed[2].pk]))
    assert response.status_code == 200
    assert "13600000002" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"certificate_number": "JJR-2025-000123"}, "A broker with this certificate number is already registered."),
        ({"certified_on": (timezone.localdate() + timedelta(days=1)).isoformat()}, "in the future"),
        ({"region": "110108"}, "Select a valid choice."),
        ({"title": ""}, "This field is required."),
        ({"tech_fields": ["99"]}, "Select a valid choice."),
    ],
)
def test_bad_registrations_re_render_and_write_nothing(client_for, host_user, listed, overrides, message):
    before = Broker.objects.count()
    response = english(client_for(host_user)).post(CREATE, broker_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Broker.objects.count() == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"completed_on": (timezone.localdate() + timedelta(days=1)).isoformat()},
            "The course cannot end in the future.",
        ),
        ({"hours": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"course": " "}, "This field is required."),
        ({"training_base": "999999"}, "Select a valid choice."),
    ],
)
def test_bad_training_re_renders_and_writes_nothing(client_for, host_user, listed, training_base, overrides, message):
    response = english(client_for(host_user)).post(
        reverse("institutions_brokers:training_add", args=[listed[0].pk]), training_data(training_base, **overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TrainingRecord.objects.exists()


def test_training_is_only_at_an_active_training_base(client_for, host_user, listed, make_institution):
    not_a_base = make_institution("active")
    response = client_for(host_user).post(
        reverse("institutions_brokers:training_add", args=[listed[0].pk]), training_data(not_a_base)
    )
    assert response.status_code == 400
    assert not TrainingRecord.objects.exists()


def test_the_detail_page_lists_the_registered_contracts_the_broker_brokered(client_for, listed, host_user, request):
    contract_of = request.getfixturevalue("make_contract")
    broker = listed[0]
    registered = contract_of("registered", name="装备制造技术转让合同", brokers=[broker])
    contract_of("submitted", name="尚在审查的合同", brokers=[broker])
    contract_of("registered", name="别人的合同", brokers=[listed[1]])
    assert registered.status == "registered" and registered.registration_number
    page = client_for(host_user).get(reverse("institutions_brokers:detail", args=[broker.pk])).content.decode()
    assert "装备制造技术转让合同" in page and registered.registration_number in page
    assert "尚在审查的合同" not in page and "别人的合同" not in page


def test_the_service_refuses_a_region_outside_hebei(db, make_user):
    from datetime import date

    from apps.accounts.models import Role
    from apps.core.errors import InvalidInput
    from apps.institutions.services import BrokerInput, broker_register

    with pytest.raises(InvalidInput) as raised:
        broker_register(
            actor=make_user(Role.PROVINCE_ADMIN),
            data=BrokerInput(
                name="甲", title="junior", certificate_number="X-9", certified_on=date(2024, 1, 1), region="110000"
            ),
        )
    assert raised.value.field == "region"
