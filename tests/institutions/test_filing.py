"""Filing of institutions: apply, city review, province approval, supervision; who may do each."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import Role
from apps.core.errors import Conflict, InvalidInput, PermissionDenied
from apps.institutions import selectors, services
from apps.institutions.models import PROVINCIAL_AND_ABOVE, Institution, InstitutionKind, InstitutionStep
from apps.institutions.services import INSTITUTION_TRANSITIONS
from tests.institutions.conftest import institution_input


def test_the_whole_filing_records_each_step(make_institution, host_user, city, province):
    institution = make_institution("active")
    assert institution.status == "active"
    assert institution.recognised_on == timezone.localdate()
    assert institution.document_number == "冀科转〔2026〕12号"
    steps = list(InstitutionStep.objects.filter(institution=institution).values_list("action", "actor"))
    assert steps == [
        ("create", host_user.pk),
        ("submit", host_user.pk),
        ("recommend", city.pk),
        ("approve", province.pk),
    ]


def test_returned_filings_are_corrected_and_submitted_again(make_institution, host_user, city, province):
    institution = make_institution("submitted")
    with pytest.raises(InvalidInput):
        services.institution_transition(actor=city, institution=institution, action="city_return")
    institution = services.institution_transition(
        actor=city, institution=institution, action="city_return", note="请补充场地证明"
    )
    assert (institution.status, institution.status_note) == ("returned", "请补充场地证明")
    institution = services.institution_update(
        actor=host_user, institution=institution, data=institution_input(address="石家庄市裕华区槐安东路 1 号")
    )
    institution = services.institution_transition(actor=host_user, institution=institution, action="submit")
    institution = services.institution_transition(actor=city, institution=institution, action="recommend")
    institution = services.institution_transition(
        actor=province, institution=institution, action="province_return", note="级别应为市级"
    )
    assert institution.status == "returned"


def test_approval_needs_the_recognition_document(make_institution, province):
    institution = make_institution("recommended")
    with pytest.raises(InvalidInput) as raised:
        services.institution_transition(actor=province, institution=institution, action="approve")
    assert raised.value.field == "document_number"
    institution.refresh_from_db()
    assert institution.status == "recommended"


def test_supervision(make_institution, province):
    institution = make_institution("active")
    with pytest.raises(InvalidInput):
        services.institution_transition(actor=province, institution=institution, action="suspend")
    institution = services.institution_transition(
        actor=province, institution=institution, action="suspend", note="年度报告逾期"
    )
    institution = services.institution_transition(actor=province, institution=institution, action="reinstate")
    institution = services.institution_transition(
        actor=province, institution=institution, action="revoke", note="不再开展服务"
    )
    assert institution.status == "revoked"
    assert Institution.objects.filter(pk=institution.pk).exists()  # nothing is deleted


ILLEGAL = [
    (action, state)
    for action, (sources, _target, _policy) in INSTITUTION_TRANSITIONS.items()
    for state in ("draft", "submitted", "recommended", "active", "suspended")
    if state not in sources
]


@pytest.mark.parametrize(("action", "state"), ILLEGAL)
def test_every_illegal_transition_is_a_conflict_that_changes_nothing(
    make_institution, host_user, city, province, action, state
):
    institution = make_institution(state)
    actor = {"institution.apply": host_user, "institution.city_review": city, "institution.approve": province}[
        INSTITUTION_TRANSITIONS[action][2]
    ]
    before = (institution.status, InstitutionStep.objects.filter(institution=institution).count())
    with pytest.raises(Conflict) as raised:
        services.institution_transition(
            actor=actor, institution=institution, action=action, note="x", document_number="x"
        )
    assert raised.value.status == 409
    institution.refresh_from_db()
    assert (institution.status, InstitutionStep.objects.filter(institution=institution).count()) == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": " "}, "name"),
        ({"kind": "nonsense"}, "kind"),
        ({"level": "global"}, "level"),
        ({"region": "110108"}, "region"),
        ({"region": "130000"}, "region"),
        ({"recognised_on": timezone.localdate() + timedelta(days=1)}, "recognised_on"),
    ],
)
def test_bad_filings_are_refused_and_nothing_is_written(host_user, host, overrides, field):
    with pytest.raises(InvalidInput) as raised:
        services.institution_create(actor=host_user, host=host, data=institution_input(**overrides))
    assert raised.value.field == field
    assert not Institution.objects.exists()


def test_the_permission_matrix(make_institution, make_user, host):
    submitted = make_institution("submitted")
    recommended = make_institution("recommended", name="第二家")
    tangshan = make_user(Role.CITY_OFFICIAL, region="130200")
    stranger = make_user(Role.INSTITUTION)
    county = make_user(Role.COUNTY_OFFICIAL, region="130108")
    with pytest.raises(PermissionDenied):
        services.institution_transition(actor=tangshan, institution=submitted, action="recommend")
    with pytest.raises(PermissionDenied):
        services.institution_transition(actor=county, institution=submitted, action="recommend")
    with pytest.raises(PermissionDenied):
        services.institution_transition(actor=stranger, institution=submitted, action="withdraw")
    city = make_user(Role.CITY_OFFICIAL, region="130100")
    with pytest.raises(PermissionDenied):
        services.institution_transition(actor=city, institution=recommended, action="approve", document_number="x")
    with pytest.raises(PermissionDenied):
        services.institution_create(actor=stranger, host=host, data=institution_input())
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_who_sees_which_filings(make_institution, make_user, host_user, city, province):
    draft = make_institution("draft")
    active = make_institution("active", name="已备案机构")
    tangshan = make_user(Role.CITY_OFFICIAL, region="130200")
    county = make_user(Role.COUNTY_OFFICIAL, region="130108")
    stranger = make_user(Role.INSTITUTION)
    seen = {
        user: set(selectors.institution_list(actor=user).values_list("pk", flat=True))
        for user in (host_user, city, province, tangshan, county, stranger)
    }
    assert seen[host_user] == {draft.pk, active.pk}
    assert seen[city] == seen[province] == seen[county] == {active.pk}
    assert seen[tangshan] == seen[stranger] == set()


def test_counts_for_the_kpi_work(make_institution, province):
    make_institution("active")
    make_institution("active", name="国家级机构", level="national")
    make_institution("active", name="市级机构", level="city")
    make_institution("suspended", name="暂停机构")
    make_institution("recommended", name="待批机构")
    services.institution_enter(
        actor=province,
        host=None,
        data=institution_input(
            name="孵化器",
            kind="incubator",
            level="national",
            region="130203",
            recognised_on=timezone.localdate(),
            document_number="国科火字〔2020〕1号",
        ),
    )
    counts = selectors.institution_counts(group_by="level", kinds=["transfer_institution"], levels=PROVINCIAL_AND_ABOVE)
    assert counts == {"national": 1, "provincial": 1, "city": 0}
    by_kind = selectors.institution_counts(group_by="kind")
    assert by_kind["transfer_institution"] == 3 and by_kind["incubator"] == 1 and by_kind["key_lab"] == 0
    assert len(by_kind) == InstitutionKind.objects.filter(is_active=True).count()
    by_unit = selectors.institution_counts(group_by="unit")
    assert (by_unit["130100"], by_unit["130200"], len(by_unit)) == (3, 1, 14)


def test_the_public_directory_shows_active_institutions_and_public_fields_only(make_institution):
    make_institution("active")
    make_institution("submitted", name="未备案")
    [listed] = selectors.public_directory(q="技术转移")
    assert listed.name == "石家庄高新区技术转移中心"
    assert "contact_phone" in listed.get_deferred_fields()
    assert list(selectors.public_directory(kind="incubator")) == []


def test_the_province_enters_institutions_recognised_before_the_portal(province):
    institution = services.institution_enter(
        actor=province,
        host=None,
        data=institution_input(
            recognised_on=timezone.localdate() - timedelta(days=900), document_number="冀科函〔2019〕8号"
        ),
    )
    assert institution.status == "active"
    with pytest.raises(InvalidInput):
        services.institution_enter(actor=province, host=None, data=institution_input())


def test_the_kinds_are_data_the_province_can_extend(db):
    from apps.core.services import reference_data_load

    assert InstitutionKind.objects.filter(is_active=True).count() == 26
    assert InstitutionKind.objects.get(code="star_space").plan_task == 6
    InstitutionKind.objects.create(code="pilot_service_station", name="中试服务站", sort=99)
    InstitutionKind.objects.filter(code="relay_station").update(is_active=False)
    reference_data_load()
    assert InstitutionKind.objects.filter(code="pilot_service_station", is_active=True).exists()
    assert not InstitutionKind.objects.get(code="relay_station").is_active  # the province's decision stands
