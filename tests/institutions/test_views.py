"""The HTML pages of the institutions registry: who sees which page, the filing form, the actions,
the review queue and the public directory."""

from datetime import date

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Membership, OrganisationKind, Role
from apps.accounts.policies import actor_for
from apps.core.navigation import nav_for
from apps.institutions import services
from apps.institutions.models import Institution, InstitutionStep
from tests.institutions.conftest import institution_input

pytestmark = pytest.mark.django_db


def filing_data(**overrides):
    """What the browser posts for a valid filing."""
    data = {
        "name": "保定市技术转移服务中心",
        "kind": "transfer_institution",
        "level": "provincial",
        "region": "130108",
        "recognised_on": "",
        "document_number": "",
        "description": "技术评估与成果对接",
        "address": "石家庄市裕华区槐安东路 1 号",
        "website": "https://tt.example.cn",
        "public_phone": "0311-80000000",
        "contact_name": "李联系",
        "contact_phone": "13800000000",
    }
    data.update(overrides)
    return data


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def other_city(make_user):
    """The city bureau of 唐山 (unit 130200): not the 石家庄 institutions' reviewer."""
    return make_user(Role.CITY_OFFICIAL, region="130200")


@pytest.fixture
def other_host(make_user):
    return make_user(Role.ENTERPRISE, region="130108")


@pytest.fixture
def no_role(make_user):
    return make_user(None)


# Access -----------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page_except_for_the_directory(client, make_institution):
    institution = make_institution("draft")
    for url in (
        reverse("institutions:list"),
        reverse("institutions:create"),
        reverse("institutions:enter"),
        reverse("institutions:queue"),
        reverse("institutions:detail", args=[institution.pk]),
        reverse("institutions:edit", args=[institution.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login")), url
    response = client.post(reverse("institutions:action", args=[institution.pk, "submit"]))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert Institution.objects.get(pk=institution.pk).status == "draft"
    assert client.get(reverse("institutions:directory")).status_code == 200


def test_each_page_opens_for_its_roles_only(client_for, host_user, city, province, no_role):
    pages = {
        "institutions:list": {host_user, city, province},
        "institutions:create": {host_user},
        "institutions:enter": {province},
        "institutions:queue": {city, province},
        "institutions:directory": {host_user, city, province, no_role},
    }
    for name, allowed in pages.items():
        for user in (host_user, city, province, no_role):
            expected = 200 if user in allowed else 403
            assert client_for(user).get(reverse(name)).status_code == expected, (name, user)


def test_the_detail_page_answers_404_to_those_who_may_not_see_it(
    client_for, make_institution, host_user, city, other_city, other_host, province
):
    draft = make_institution("draft")
    submitted = make_institution("submitted", name="已提交的中心")
    url = reverse("institutions:detail", args=[draft.pk])
    assert client_for(host_user).get(url).status_code == 200
    # Drafts stay private to the host.
    for user in (city, province, other_host):
        assert client_for(user).get(url).status_code == 404, user
    url = reverse("institutions:detail", args=[submitted.pk])
    for user in (host_user, city, province):
        assert client_for(user).get(url).status_code == 200, user
    for user in (other_city, other_host):
        assert client_for(user).get(url).status_code == 404, user
    assert client_for(host_user).get(reverse("institutions:detail", args=[999_999])).status_code == 404


def test_edit_is_for_the_host_only(client_for, make_institution, host_user, city, other_host):
    institution = make_institution("submitted")
    url = reverse("institutions:edit", args=[institution.pk])
    assert client_for(city).get(url).status_code == 404
    assert client_for(other_host).get(url).status_code == 404
    # A submitted filing is not editable: the host is sent back with a message.
    client = english(client_for(host_user))
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("institutions:detail", args=[institution.pk])
    assert "Only drafts and filings returned for correction can be edited." in response.content.decode()


# The filing journey -------------------------------------------------------------------------------


def test_the_whole_filing_through_the_pages_ends_active(client_for, host_user, host, city, province):
    hosting = english(client_for(host_user))
    response = hosting.post(reverse("institutions:create"), filing_data())
    institution = Institution.objects.get(name="保定市技术转移服务中心")
    detail = reverse("institutions:detail", args=[institution.pk])
    assert response.status_code == 302 and response.url == detail
    assert (institution.status, institution.host, institution.region_id) == ("draft", host, "130108")
    assert institution.contact_name == "李联系"

    page = hosting.get(detail).content.decode()
    assert 'id="action-submit"' in page and 'id="action-withdraw"' in page and 'id="edit-link"' in page
    assert 'id="action-recommend"' not in page

    response = hosting.post(reverse("institutions:action", args=[institution.pk, "submit"]), follow=True)
    assert "The filing was submitted to the city bureau." in response.content.decode()
    institution.refresh_from_db()
    assert institution.status == "submitted"

    reviewing = english(client_for(city))
    queue = reviewing.get(reverse("institutions:queue")).content.decode()
    assert "保定市技术转移服务中心" in queue
    page = reviewing.get(detail).content.decode()
    assert 'id="action-recommend"' in page and 'id="action-city_return"' in page
    assert 'id="action-approve"' not in page and 'id="action-submit"' not in page
    response = reviewing.post(
        reverse("institutions:action", args=[institution.pk, "recommend"]), {"note": "材料齐全"}, follow=True
    )
    assert "The filing was recommended to the province." in response.content.decode()
    institution.refresh_from_db()
    assert institution.status == "recommended"

    approving = english(client_for(province))
    assert "保定市技术转移服务中心" in approving.get(reverse("institutions:queue")).content.decode()
    response = approving.post(
        reverse("institutions:action", args=[institution.pk, "approve"]),
        {"recognised_on": "2026-01-05", "document_number": "冀科转〔2026〕7号", "note": ""},
        follow=True,
    )
    page = response.content.decode()
    assert "The filing was approved" in page
    institution.refresh_from_db()
    assert institution.status == "active"
    assert str(institution.recognised_on) == "2026-01-05"
    assert institution.document_number == "冀科转〔2026〕7号"
    # The timeline shows every step with its label, and the active institution offers supervision.
    for label in ("Filing drafted", "Submitted to the city bureau", "Recommended by the city bureau", "Approved"):
        assert label in page, label
    assert 'id="action-suspend"' in page and 'id="action-revoke"' in page and 'id="action-reinstate"' not in page
    actions = list(InstitutionStep.objects.filter(institution=institution).values_list("action", flat=True))
    assert actions == ["create", "submit", "recommend", "approve"]
    directory = Client().get(reverse("institutions:directory")).content.decode()
    assert "保定市技术转移服务中心" in directory


def test_a_returned_filing_is_corrected_and_submitted_again(client_for, make_institution, host_user, city):
    institution = make_institution("submitted")
    reviewing = english(client_for(city))
    response = reviewing.post(
        reverse("institutions:action", args=[institution.pk, "city_return"]), {"note": "请补充场地证明"}
    )
    assert response.status_code == 302
    hosting = english(client_for(host_user))
    page = hosting.get(reverse("institutions:detail", args=[institution.pk])).content.decode()
    assert "请补充场地证明" in page and 'id="edit-link"' in page
    edit = reverse("institutions:edit", args=[institution.pk])
    form_page = hosting.get(edit).content.decode()
    assert 'value="石家庄高新区技术转移中心"' in form_page
    response = hosting.post(edit, filing_data(name="石家庄高新区技术转移中心", address="槐安东路 2 号"))
    assert response.status_code == 302
    institution.refresh_from_db()
    assert (institution.status, institution.address) == ("returned", "槐安东路 2 号")
    hosting.post(reverse("institutions:action", args=[institution.pk, "submit"]))
    institution.refresh_from_db()
    assert institution.status == "submitted"


def test_the_province_enters_a_recognised_institution_as_active(client_for, province):
    client = english(client_for(province))
    url = reverse("institutions:enter")
    response = client.post(url, filing_data(name="邢台市技术市场"))
    assert response.status_code == 400
    assert not Institution.objects.filter(name="邢台市技术市场").exists()
    response = client.post(
        url, filing_data(name="邢台市技术市场", recognised_on="2019-06-01", document_number="冀科〔2019〕3号")
    )
    institution = Institution.objects.get(name="邢台市技术市场")
    assert response.url == reverse("institutions:detail", args=[institution.pk])
    assert (institution.status, institution.host, institution.document_number) == ("active", None, "冀科〔2019〕3号")


# Refusals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "   "}, "name", "This field is required."),
        ({"region": "110108"}, "region", "Select a valid choice."),
        ({"kind": "no_such_kind"}, "kind", "Select a valid choice."),
        ({"recognised_on": "2999-01-01"}, "recognised_on", "The recognition date is in the future."),
    ],
)
def test_a_bad_filing_is_shown_again_and_nothing_is_written(client_for, host_user, overrides, field, message):
    client = english(client_for(host_user))
    response = client.post(reverse("institutions:create"), filing_data(**overrides))
    assert response.status_code == 400
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert message in response.content.decode()
    assert not Institution.objects.exists()
    assert not InstitutionStep.objects.exists()


def test_an_illegal_action_shows_an_error_and_changes_nothing(client_for, make_institution, province):
    institution = make_institution("active")
    steps = InstitutionStep.objects.filter(institution=institution).count()
    client = english(client_for(province))
    response = client.post(
        reverse("institutions:action", args=[institution.pk, "approve"]),
        {"recognised_on": "2026-01-05", "document_number": "冀科转〔2026〕99号"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("institutions:detail", args=[institution.pk])
    assert "is not possible now" in response.content.decode()
    institution.refresh_from_db()
    assert (institution.status, institution.document_number) == ("active", "冀科转〔2026〕12号")
    assert InstitutionStep.objects.filter(institution=institution).count() == steps


def test_an_action_needing_a_reason_is_refused_without_one(client_for, make_institution, city):
    institution = make_institution("submitted")
    client = english(client_for(city))
    response = client.post(reverse("institutions:action", args=[institution.pk, "city_return"]), {"note": " "})
    assert response.status_code == 400
    forms = {item["action"]: item["form"] for item in response.context["actions"]}
    assert forms["city_return"].errors["note"] and not forms["recommend"].errors
    assert 'id="id_city_return_note"' in response.content.decode()
    institution.refresh_from_db()
    assert institution.status == "submitted"


def test_actions_of_another_role_are_forbidden(client_for, make_institution, host_user, city, other_city):
    institution = make_institution("submitted")
    url = reverse("institutions:action", args=[institution.pk, "recommend"])
    assert client_for(host_user).post(url).status_code == 403
    assert client_for(other_city).post(url).status_code == 404
    assert client_for(city).post(reverse("institutions:action", args=[institution.pk, "approve"])).status_code == 403
    assert client_for(city).post(reverse("institutions:action", args=[institution.pk, "explode"])).status_code == 404
    assert client_for(city).get(url).status_code == 405
    institution.refresh_from_db()
    assert institution.status == "submitted"


# Lists --------------------------------------------------------------------------------------------


def test_the_list_shows_what_the_user_may_see_with_filters_and_search(
    client_for, make_institution, host_user, city, other_host
):
    make_institution("draft", name="草稿中心")
    make_institution("submitted", name="孵化器甲", kind="incubator", level="city")
    make_institution("active", name="转移中心乙")
    hosting = english(client_for(host_user))
    page = hosting.get(reverse("institutions:list")).content.decode()
    assert all(name in page for name in ("草稿中心", "孵化器甲", "转移中心乙"))
    assert 'id="new-filing"' in page
    # Officials do not see drafts, nor a "new filing" button.
    page = client_for(city).get(reverse("institutions:list")).content.decode()
    assert "草稿中心" not in page and "孵化器甲" in page and 'id="new-filing"' not in page

    def names(client, **query):
        response = client.get(reverse("institutions:list"), query)
        return [i.name for i in response.context["page"].object_list]

    assert names(hosting, status="active") == ["转移中心乙"]
    assert names(hosting, kind="incubator") == ["孵化器甲"]
    assert names(hosting, level="city") == ["孵化器甲"]
    assert names(hosting, unit="130100", q="中心") == ["草稿中心", "转移中心乙"]
    assert names(hosting, unit="130200") == []
    assert names(hosting, ordering="-name") == sorted(["草稿中心", "孵化器甲", "转移中心乙"], reverse=True)
    response = hosting.get(reverse("institutions:list"), {"status": "bogus"})
    assert "Some filters are not valid" in response.content.decode()
    assert len(response.context["page"].object_list) == 3
    empty = english(client_for(other_host)).get(reverse("institutions:list")).content.decode()
    assert "Your organisation has filed no institution yet." in empty
    filtered = hosting.get(reverse("institutions:list"), {"q": "不存在"}).content.decode()
    assert "No institution matches these filters." in filtered


def test_the_queue_holds_what_waits_for_each_reviewer_oldest_first(
    client_for, make_institution, city, other_city, province
):
    first = make_institution("submitted", name="先提交")
    second = make_institution("submitted", name="后提交")
    recommended = make_institution("recommended", name="已推荐")
    make_institution("active", name="已备案")

    def queue(user):
        return [i.pk for i in client_for(user).get(reverse("institutions:queue")).context["page"].object_list]

    assert queue(city) == [first.pk, second.pk]
    assert queue(other_city) == []
    assert queue(province) == [recommended.pk]


def test_the_list_and_the_queue_take_a_fixed_number_of_queries(
    client_for, make_institution, host_user, province, django_assert_max_num_queries
):
    for number in range(3):
        make_institution("recommended", name=f"机构{number}")
    hosting, approving = client_for(host_user), client_for(province)
    # Warm the session and the per-process caches first.
    hosting.get(reverse("institutions:list"))
    approving.get(reverse("institutions:queue"))
    # Session, user, grants, the two filters' choice lists, count, page.
    with django_assert_max_num_queries(7) as few:
        hosting.get(reverse("institutions:list"))
    with django_assert_max_num_queries(12) as queue_few:
        approving.get(reverse("institutions:queue"))
    for number in range(3, 12):
        make_institution("recommended", name=f"机构{number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(hosting.get(reverse("institutions:list")).context["page"].object_list) == 12
    with django_assert_max_num_queries(len(queue_few.captured_queries)):
        assert len(approving.get(reverse("institutions:queue")).context["page"].object_list) == 12


# The public directory --------------------------------------------------------------------------------


def test_the_directory_is_public_and_shows_public_fields_only(make_institution, province):
    active = make_institution(
        "active",
        name="公开的转移中心",
        contact_name="私密联系人",
        contact_phone="13912345678",
        address="石家庄市长安区中山路 9 号",
        public_phone="0311-66666666",
        website="https://open.example.cn",
    )
    make_institution("submitted", name="尚在审核的中心")
    suspended = make_institution("suspended", name="被暂停的中心")
    assert suspended.status_note == "年度报告逾期"
    client = english(Client())
    response = client.get(reverse("institutions:directory"))
    assert response.status_code == 200
    page = response.content.decode()
    for shown in (
        "公开的转移中心",
        "石家庄市长安区中山路 9 号",
        "0311-66666666",
        "https://open.example.cn",
        "冀科转〔2026〕12号",
    ):
        assert shown in page, shown
    assert timezone.localdate().strftime("%Y-%m-%d") in page
    for hidden in ("私密联系人", "13912345678", "尚在审核的中心", "被暂停的中心", "年度报告逾期", "材料齐全"):
        assert hidden not in page, hidden
    assert reverse("institutions:detail", args=[active.pk]) not in page


def test_the_directory_filters_by_kind_unit_and_search(make_institution, province):
    make_institution("active", name="石家庄转移中心")
    make_institution("active", name="石家庄孵化器", kind="incubator", description="创业孵化")
    # The fixture's city bureau is 石家庄's: the province enters the 唐山 one directly.
    services.institution_enter(
        actor=province,
        host=None,
        data=institution_input(
            name="唐山转移中心", region="130203", recognised_on=date(2020, 5, 1), document_number="唐科〔2020〕1号"
        ),
    )
    client = Client()

    def names(**query):
        return [i.name for i in client.get(reverse("institutions:directory"), query).context["page"].object_list]

    assert names(kind="incubator") == ["石家庄孵化器"]
    assert names(unit="130200") == ["唐山转移中心"]
    assert names(q="孵化") == ["石家庄孵化器"]
    assert names(unit="130100", kind="transfer_institution") == ["石家庄转移中心"]
    assert (
        "No institution matches these filters."
        in english(client).get(reverse("institutions:directory"), {"q": "不存在"}).content.decode()
    )


def test_the_directory_takes_a_fixed_number_of_queries(make_institution, province, django_assert_max_num_queries):
    for number in range(2):
        make_institution("active", name=f"公开机构{number}")
    client = Client()
    client.get(reverse("institutions:directory"))
    # The two filters' choice lists, count, page: no session, and nothing per row.
    with django_assert_max_num_queries(4) as few:
        client.get(reverse("institutions:directory"))
    for number in range(2, 10):
        make_institution("active", name=f"公开机构{number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(reverse("institutions:directory")).context["page"].object_list) == 10


# Navigation and home cards ------------------------------------------------------------------------------


def test_navigation_offers_each_role_its_pages_and_the_directory_to_all(client_for, host_user, city, make_user):
    registrar = make_user(Role.REGISTRAR)
    directory = f'href="{reverse("institutions:directory")}"'
    listing = f'href="{reverse("institutions:list")}"'
    queue = f'href="{reverse("institutions:queue")}"'
    home = reverse("core:home")
    page = client_for(host_user).get(home).content.decode()
    assert directory in page and listing in page and queue not in page
    page = client_for(city).get(home).content.decode()
    assert directory in page and listing in page and queue in page
    page = client_for(registrar).get(home).content.decode()
    assert directory in page and listing not in page


def test_the_directory_entry_is_offered_to_anonymous_visitors_too():
    entries = [entry.key for entry in nav_for(actor_for(None))]
    assert "institution-directory" in entries
    assert "institutions" not in entries and "institution-queue" not in entries


def test_home_cards_count_the_filings(client_for, make_institution, host_user, city):
    make_institution("submitted")
    make_institution("draft", name="另一个草稿")
    response = client_for(city).get(reverse("core:home"))
    cards = {card["key"]: card for card in response.context["cards"]}
    assert cards["institution-queue"]["value"] == 1
    assert "my-institutions" not in cards
    response = client_for(host_user).get(reverse("core:home"))
    cards = {card["key"]: card for card in response.context["cards"]}
    assert cards["my-institutions"]["value"] == 2
    assert "institution-queue" not in cards


def test_a_host_of_several_organisations_chooses_the_one_filing(client_for, host_user, host, make_organisation):
    assert "host" not in client_for(host_user).get(reverse("institutions:create")).context["form"].fields
    second = make_organisation(kind=OrganisationKind.UNIVERSITY, region="130104", name="河北某大学")
    Membership.objects.create(user=host_user, organisation=second, role=Role.UNIVERSITY)
    client = client_for(host_user)
    assert "host" in client.get(reverse("institutions:create")).context["form"].fields
    assert client.post(reverse("institutions:create"), filing_data()).status_code == 400
    response = client.post(reverse("institutions:create"), filing_data(host=str(second.pk)))
    assert response.status_code == 302
    assert Institution.objects.get().host == second


def test_a_website_that_is_not_http_is_shown_as_text_not_as_a_link(make_institution, province, host_user, host):
    from apps.core.errors import InvalidInput
    from apps.institutions import services as institution_services
    from apps.institutions.models import Institution
    from tests.institutions.conftest import institution_input

    with pytest.raises(InvalidInput) as raised:
        institution_services.institution_create(
            actor=host_user, host=host, data=institution_input(website="javascript:alert(1)")
        )
    assert raised.value.field == "website"
    # Rows from before the check (or from the admin) still must not become links.
    institution = make_institution("active", name="可疑网址的中心")
    Institution.objects.filter(pk=institution.pk).update(website="javascript:alert(1)")
    page = Client().get(reverse("institutions:directory")).content.decode()
    assert "javascript:alert(1)" in page
    assert 'href="javascript:' not in page


def test_anonymous_visitors_see_only_the_public_pages_in_the_navigation(client):
    from django.urls import reverse

    response = client.get(reverse("core:home"), follow=True)
    keys = [entry.key for item in response.context["nav_menus"] for entry in item["menu"].entries]
    assert keys == ["institution-directory", "broker-directory", "marketplace", "subsidy-notice"]
    assert f'href="{reverse("institutions:directory")}"' in response.content.decode()
