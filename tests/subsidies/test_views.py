"""The HTML pages of the subsidies app: who sees which page, the application form, the review from the
city bureau to the province, the public notice with objections, payments, programmes and exports."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.accounts.policies import actor_for
from apps.core.models import Notification
from apps.core.money import money_format
from apps.core.navigation import cards_for, nav_for
from apps.subsidies.models import Application, ApplicationStatus, Objection, ObjectionStatus, Programme, ProgrammeKind

pytestmark = pytest.mark.django_db
S = ApplicationStatus


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def application_data(contracts=(), **overrides):
    data = {
        "contracts": [str(c.pk) for c in contracts],
        "contact_name": "张联系",
        "contact_phone": "0311-88886666",
        "bank_account_name": "石家庄某制造有限公司",
        "bank_account": "6222020402012345678",
    }
    data.update(overrides)
    return data


def policies_data(rows, **overrides):
    data = {
        "policies-TOTAL_FORMS": str(len(rows)),
        "policies-INITIAL_FORMS": "0",
        "policies-MIN_NUM_FORMS": "0",
        "policies-MAX_NUM_FORMS": "1000",
        "contact_name": "李联系",
        "contact_phone": "0311-80000000",
        "bank_account_name": "石家庄某制造有限公司",
        "bank_account": "6222020402012345678",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"policies-{index}-{key}"] = value
    data.update(overrides)
    return data


def a_policy(**overrides):
    row = {
        "patent_number": "ZL200310102344.5",
        "insurance_product": "enforcement",
        "insurer": "中国人民财产保险股份有限公司河北省分公司",
        "policy_number": "PICC-2025-0001",
        "policy_start": (timezone.localdate() - timedelta(days=5)).isoformat(),
        "premium": "6000.00",
    }
    row.update(overrides)
    return row


def action(client, application, name, **data):
    return client.post(reverse("subsidies:action", args=[application.pk, name]), data)


def action_form(response, name):
    """The bound form of action ``name`` on the detail page a refused post re-rendered."""
    return next(item["form"] for item in response.context["actions"] if item["action"] == name)


# Access ---------------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page_except_for_the_public_pages(client, application_factory):
    application = application_factory("in_notice")
    programme = application.programme
    for url in (
        reverse("subsidies:list"),
        reverse("subsidies:create"),
        reverse("subsidies:queue"),
        reverse("subsidies:detail", args=[application.pk]),
        reverse("subsidies:edit", args=[application.pk]),
        reverse("subsidies:programmes"),
        reverse("subsidies:programme", args=[programme.pk]),
        reverse("subsidies:programme_budget", args=[programme.pk]),
        reverse("subsidies:programme_export", args=[programme.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login")), url
    assert client.get(reverse("subsidies:notice")).status_code == 200
    assert client.get(reverse("subsidies:notice_detail", args=[application.pk])).status_code == 200
    assert client.get(reverse("subsidies:open")).status_code == 200
    response = client.post(reverse("subsidies:notice_detail", args=[application.pk]), {"text": "异议"})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert not Objection.objects.exists()


def test_pages_render_for_each_role_and_are_refused_to_the_others(
    client_for, application_factory, applicant, city, other_city, province, other_applicant
):
    application = application_factory("submitted")
    programme = application.programme
    detail = reverse("subsidies:detail", args=[application.pk])
    province_pages = [
        reverse("subsidies:programmes"),
        reverse("subsidies:programme_create"),
        reverse("subsidies:programme", args=[programme.pk]),
        reverse("subsidies:programme_edit", args=[programme.pk]),
        reverse("subsidies:programme_allocations", args=[programme.pk]),
        reverse("subsidies:programme_budget", args=[programme.pk]),
    ]
    applying, reviewing, deciding = client_for(applicant), client_for(city), client_for(province)
    for url in (reverse("subsidies:list"), reverse("subsidies:open"), reverse("subsidies:create"), detail):
        assert applying.get(url).status_code == 200, url
    for url in (reverse("subsidies:list"), reverse("subsidies:queue"), detail):
        assert reviewing.get(url).status_code == 200, url
    for url in [reverse("subsidies:list"), reverse("subsidies:queue"), detail, *province_pages]:
        assert deciding.get(url).status_code == 200, url
    # Applicants review nothing and manage nothing; city bureaus manage no programme.
    for url in [
        reverse("subsidies:queue"),
        reverse("subsidies:programme_export", args=[programme.pk]),
        *province_pages,
    ]:
        assert applying.get(url).status_code == 403, url
    for url in province_pages:
        assert reviewing.get(url).status_code == 403, url
    # Another applicant and another city's bureau do not see the application at all.
    assert client_for(other_applicant).get(detail).status_code == 404
    assert client_for(other_city).get(detail).status_code == 404
    assert client_for(other_applicant).get(reverse("subsidies:edit", args=[application.pk])).status_code == 404
    # A draft is the applicant's alone.
    draft = application_factory("draft")
    assert reviewing.get(reverse("subsidies:detail", args=[draft.pk])).status_code == 404
    assert deciding.get(reverse("subsidies:detail", args=[draft.pk])).status_code == 404


def test_navigation_and_home_cards_follow_the_roles(rf, applicant, city, province, make_user, application_factory):
    application_factory("submitted")

    def keys(user):
        return {entry.key for entry in nav_for(actor_for(user))}

    assert {"subsidies", "subsidy-notice"} <= keys(applicant)
    assert not {"subsidy-queue", "subsidy-programmes"} & keys(applicant)
    assert {"subsidies", "subsidy-queue", "subsidy-notice"} <= keys(city) and "subsidy-programmes" not in keys(city)
    assert {"subsidies", "subsidy-queue", "subsidy-notice", "subsidy-programmes"} <= keys(province)
    assert keys(make_user(None)) & {"subsidies", "subsidy-queue", "subsidy-notice"} == {"subsidy-notice"}

    def cards(user):
        request = rf.get("/")
        request.user = user
        return {card["key"]: card for card in cards_for(request, actor_for(user))}

    city_cards = cards(city)
    assert city_cards["subsidy-queue"]["value"] == 1 and "my-subsidies" not in city_cards
    applicant_cards = cards(applicant)
    assert applicant_cards["my-subsidies"]["value"] == 1 and "subsidy-queue" not in applicant_cards


# The application form -----------------------------------------------------------------------------


def test_the_open_programmes_page_explains_the_rules_and_offers_to_apply(client_for, applicant, programme_factory):
    programme = programme_factory(rate="0.05", per_item_cap="80000", per_applicant_cap="200000")
    programme_factory(status="draft", name="未发布的项目")
    response = english(client_for(applicant)).get(reverse("subsidies:open"))
    html = response.content.decode()
    assert programme.name in html and "未发布的项目" not in html
    assert "rate 0.05" in html and "80,000.00" in html and "200,000.00" in html
    assert f"{reverse('subsidies:create')}?programme={programme.pk}" in html


def test_an_applicant_ticks_registered_contracts_and_the_draft_shows_the_computation(
    client_for, applicant, applicant_org, programme_factory, registered_contract_factory, make_organisation
):
    programme = programme_factory(rate="0.03", per_item_cap="40000")
    small = registered_contract_factory(value="500000")
    large = registered_contract_factory(value="2000000")
    not_ours = registered_contract_factory(buyer_org=make_organisation(region="130108"))
    client = client_for(applicant)
    url = f"{reverse('subsidies:create')}?programme={programme.pk}"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert small.registration_number in html and large.registration_number in html
    assert not_ours.registration_number not in html
    assert "15,000.00" in html and "40,000.00" in html  # 3 % of 500,000; 3 % of 2,000,000 capped at 40,000
    response = client.post(url, application_data([small, large]))
    application = Application.objects.get()
    assert response.status_code == 302 and response.url == reverse("subsidies:detail", args=[application.pk])
    assert application.status == S.DRAFT and application.computed_amount == Decimal("55000.00")
    html = client.get(response.url).content.decode()
    # The base, base × rate before the cap, and the total, written as the pages write amounts.
    assert "2,000,000.00" in html and "60,000.00" in html and "55,000.00" in html
    assert "2000000.00" not in html and "60000.00" not in html
    assert reverse("subsidies:edit", args=[application.pk]) in html
    assert 'id="action-submit"' in html and 'id="action-withdraw"' in html
    assert "6222020402012345678" in html  # the applicant sees its own bank details


def test_the_application_form_keeps_the_input_and_shows_the_service_message_by_the_field(
    client_for, applicant, programme
):
    client = english(client_for(applicant))
    url = f"{reverse('subsidies:create')}?programme={programme.pk}"
    response = client.post(url, application_data([], contact_name="王五"))
    assert response.status_code == 400
    assert "Choose at least one registered contract." in response.context["form"].errors["contracts"]
    assert 'value="王五"' in response.content.decode()
    assert not Application.objects.exists()


def test_a_programme_the_applicant_may_not_join_is_refused_on_the_first_step(client_for, applicant, programme_factory):
    programme = programme_factory(applicant_kinds=["university"])
    response = client_for(applicant).get(f"{reverse('subsidies:create')}?programme={programme.pk}")
    assert response.status_code == 400
    assert response.context["choice"].errors["programme"]


def test_patent_insurance_policies_are_listed_in_a_formset_with_errors_by_the_row(
    client_for, applicant, insurance_programme
):
    client = english(client_for(applicant))
    url = f"{reverse('subsidies:create')}?programme={insurance_programme.pk}"
    assert 'name="policies-0-patent_number"' in client.get(url).content.decode()
    bad = a_policy(policy_number="PICC-2", patent_number="200310102344.6")
    response = client.post(url, policies_data([a_policy(), bad, {}]))
    assert response.status_code == 400
    rows = response.context["declaration"].policies.forms
    assert rows[1].errors["patent_number"] == ["Policy 2: the patent number is not valid."]
    assert 'value="PICC-2"' in response.content.decode()
    response = client.post(url, policies_data([a_policy(), a_policy(insurance_product="infringement_loss"), {}]))
    application = Application.objects.get()
    assert response.status_code == 302
    assert application.computed_amount == Decimal("12000.00")
    html = client.get(reverse("subsidies:detail", args=[application.pk])).content.decode()
    assert "Patent enforcement insurance" in html and "Insurance against loss from infringement" in html
    assert "PICC-2025-0001" in html


def test_a_draft_is_edited_and_recomputed_and_a_submitted_one_is_not_editable(
    client_for, applicant, application_factory, registered_contract_factory
):
    application = application_factory("draft")
    extra = registered_contract_factory(value="100000")
    client = client_for(applicant)
    edit = reverse("subsidies:edit", args=[application.pk])
    first = application.items.get().contract
    response = client.get(edit)
    assert response.status_code == 200
    assert response.context["form"]["contracts"].value() == [first.pk]
    assert f'value="{first.pk}" class="form-check-input" id="id_contracts_0" checked' in response.content.decode()
    response = client.post(edit, application_data([first, extra]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.computed_amount == Decimal("33000.00")
    action(client, application, "submit")
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    response = client.get(edit)
    assert response.status_code == 302 and response.url == reverse("subsidies:detail", args=[application.pk])


# The review -----------------------------------------------------------------------------------------


def test_the_review_from_submission_to_payment(
    client_for,
    applicant,
    applicant_org,
    city,
    other_city,
    province,
    other_applicant,
    application_factory,
    django_capture_on_commit_callbacks,
):
    application = application_factory("draft")
    applying = english(client_for(applicant))
    response = action(applying, application, "submit")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.SUBMITTED

    # The city bureau of the applicant's unit sees it in its queue; another city's bureau does not at all.
    reviewing = english(client_for(city))
    queue = reviewing.get(reverse("subsidies:queue"))
    assert [a.pk for a in queue.context["page"].object_list] == [application.pk]
    assert list(client_for(other_city).get(reverse("subsidies:queue")).context["page"].object_list) == []
    assert action(client_for(other_city), application, "recommend", note="").status_code == 404
    assert action(applying, application, "recommend").status_code == 403
    html = reviewing.get(reverse("subsidies:detail", args=[application.pk])).content.decode()
    assert 'id="action-recommend"' in html and 'id="action-city_return"' in html and 'id="action-approve"' not in html
    # A return needs a reason: the service's message goes by the field.
    response = action(reviewing, application, "city_return", note="")
    assert response.status_code == 400
    assert action_form(response, "city_return").errors["note"] == ["Please give a reason."]
    response = action(reviewing, application, "recommend", note="材料齐全")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.RECOMMENDED

    # The province approves a smaller amount; the public notice begins.
    deciding = english(client_for(province))
    assert [a.pk for a in deciding.get(reverse("subsidies:queue")).context["page"].object_list] == [application.pk]
    response = action(deciding, application, "approve", amount="40000", note="")
    assert response.status_code == 400
    assert "cannot exceed" in action_form(response, "approve").errors["amount"][0]
    response = action(deciding, application, "approve", amount="25000.00", note="")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.IN_NOTICE and application.award_amount == Decimal("25000.00")

    # The notice is public, without login and without private details.
    anonymous = english(Client())
    listing = anonymous.get(reverse("subsidies:notice"))
    assert [a.pk for a in listing.context["page"].object_list] == [application.pk]
    for page in (listing, anonymous.get(reverse("subsidies:notice_detail", args=[application.pk]))):
        html = page.content.decode()
        assert applicant_org.name in html and "25,000.00" in html
        assert "6222020402012345678" not in html and "0311-88886666" not in html and "张联系" not in html

    # The applicant cannot object to itself; another user can.
    own = applying.get(reverse("subsidies:notice_detail", args=[application.pk]))
    assert not own.context["may_object"]
    assert applying.post(reverse("subsidies:notice_detail", args=[application.pk]), {"text": "x"}).status_code == 403
    objecting = english(client_for(other_applicant))
    notice_url = reverse("subsidies:notice_detail", args=[application.pk])
    response = objecting.post(notice_url, {"text": ""})
    assert response.status_code == 400 and response.context["form"].errors["text"] == ["Say what you object to."]
    response = objecting.post(notice_url, {"text": "该合同的技术交易额存疑"})
    assert response.status_code == 302
    objection = Objection.objects.get()
    # Who objected is for the province's eyes only.
    objector = str(other_applicant)
    assert objector not in applying.get(reverse("subsidies:detail", args=[application.pk])).content.decode()
    html = deciding.get(reverse("subsidies:detail", args=[application.pk])).content.decode()
    assert objector in html
    assert f'href="{notice_url}"' in html and "The award can be made after the public notice ends on" in html

    # The award waits for the notice and the objection; the province resolves it, then awards and pays.
    Application.objects.filter(pk=application.pk).update(notice_until=timezone.localdate() - timedelta(days=1))
    response = action(deciding, application, "award", note="")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.IN_NOTICE
    html = deciding.get(reverse("subsidies:detail", args=[application.pk])).content.decode()
    assert "Resolve the open objections first." in html and f'id="resolve-{objection.pk}"' in html
    # The notice has ended: its public page is gone, so the application's page no longer links to it.
    assert f'href="{notice_url}"' not in html and "The public notice ended on" in html
    resolve = reverse("subsidies:objection_resolve", args=[application.pk, objection.pk])
    assert client_for(city).post(resolve, {"upheld": "0", "resolution": "x"}).status_code == 403
    response = deciding.post(resolve, {"upheld": "", "resolution": "经核查"})  # no decision is chosen for them
    assert response.status_code == 400
    assert response.context["objections"][0]["form"].errors["upheld"] == [
        "Choose whether the objection is dismissed or upheld."
    ]
    response = deciding.post(resolve, {"upheld": "0", "resolution": ""})
    assert response.status_code == 400
    assert response.context["objections"][0]["form"].errors["resolution"] == ["Explain the resolution."]
    response = deciding.post(resolve, {"upheld": "0", "resolution": "经核查，技术交易额已由登记机构核定"})
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED
    assert action(deciding, application, "award", note="").status_code == 302
    application.refresh_from_db()
    assert application.status == S.AWARDED
    today = timezone.localdate().isoformat()
    response = action(deciding, application, "payment", amount="30000", paid_on=today, reference="PAY-1")
    assert response.status_code == 400
    left = money_format(application.award_amount)  # as the pages show amounts
    assert action_form(response, "payment").errors["amount"] == [f"Only {left} yuan of the award remains to be paid."]
    with django_capture_on_commit_callbacks(execute=True):  # the applicant is told of each payment
        first = action(deciding, application, "payment", amount="10000", paid_on=today, reference="PAY-1")
        second = action(deciding, application, "payment", amount="15000", paid_on=today, reference="PAY-2")
    assert first.status_code == second.status_code == 302
    application.refresh_from_db()
    assert application.status == S.CLOSED and application.paid_amount == Decimal("25000.00")
    assert application.status_note == "", "the award's note is no reason for the closing"
    paid = Notification.objects.filter(kind="subsidy.payment", url=application.get_absolute_url())
    assert sorted(paid.values_list("body", flat=True).distinct()) == ["10,000.00 PAY-1", "15,000.00 PAY-2"]
    html = applying.get(reverse("subsidies:detail", args=[application.pk])).content.decode()
    for label in (
        "Submitted to the city bureau",
        "Recommended by the city bureau",
        "Objection filed",
        "Payment recorded",
    ):
        assert label in html
    assert "PAY-2" in html


def test_an_illegal_step_is_refused_with_a_message(client_for, applicant, application_factory):
    application = application_factory("submitted")
    response = action(english(client_for(applicant)), application, "submit")
    assert response.status_code == 302
    follow = english(client_for(applicant)).get(response.url)
    assert follow.status_code == 200
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert client_for(applicant).post(reverse("subsidies:action", args=[application.pk, "nonsense"])).status_code == 404


def test_the_queue_filters_by_programme_unit_and_status(
    client_for,
    province,
    application_factory,
    programme_factory,
    other_applicant,
    registered_contract_factory,
    other_applicant_org,
):
    ours = application_factory("recommended")
    theirs = application_factory(
        "recommended",
        user=other_applicant,
        contracts=[registered_contract_factory(seller_org=other_applicant_org, buyer_org=None)],
        programme=programme_factory(kind=ProgrammeKind.TRANSACTION_SELLER),
    )
    client = client_for(province)
    page = client.get(reverse("subsidies:queue"), {"unit": "130200"}).context["page"]
    assert [a.pk for a in page.object_list] == [theirs.pk]
    page = client.get(reverse("subsidies:queue"), {"programme": ours.programme_id}).context["page"]
    assert [a.pk for a in page.object_list] == [ours.pk]
    page = client.get(reverse("subsidies:queue"), {"status": "in_notice"}).context["page"]
    assert list(page.object_list) == []


# Programmes -----------------------------------------------------------------------------------------


def test_the_province_creates_a_programme_adds_a_rule_allocates_and_publishes_it(client_for, province):
    client = english(client_for(province))
    today = timezone.localdate()
    data = {
        "code": "JY2025-01",
        "name": "2025年度技术交易补助（买方）",
        "kind": "transaction_buyer",
        "document_number": "冀科成〔2025〕3号",
        "description": "",
        "applicant_kinds": ["enterprise", "university"],
        "window_opens": today.isoformat(),
        "window_closes": (today - timedelta(days=1)).isoformat(),
        "period_from": (today - timedelta(days=365)).isoformat(),
        "period_until": today.isoformat(),
        "budget": "5000000",
        "notice_working_days": "5",
    }
    response = client.post(reverse("subsidies:programme_create"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["window_closes"] == [
        "Applications must close on or after the day they open."
    ]
    html = response.content.decode()
    assert 'value="JY2025-01"' in html and html.count('name="applicant_kinds"') == 8
    assert response.context["form"]["applicant_kinds"].value() == ["enterprise", "university"]
    assert html.count(" checked") == 2
    data["window_closes"] = (today + timedelta(days=30)).isoformat()
    response = client.post(reverse("subsidies:programme_create"), data)
    programme = Programme.objects.get()
    assert response.status_code == 302 and response.url == reverse("subsidies:programme", args=[programme.pk])
    assert programme.applicant_kinds == ["enterprise", "university"] and programme.status == "draft"

    # Publishing needs a rule first.
    client.post(reverse("subsidies:programme_publish", args=[programme.pk]))
    programme.refresh_from_db()
    assert programme.status == "draft"
    rule_url = reverse("subsidies:programme_rule_add", args=[programme.pk])
    response = client.post(rule_url, {"effective_from": data["period_from"], "rate": "1.5"})
    assert response.status_code == 400
    assert response.context["rule_form"].errors["rate"] == ["The rate is more than 0 and at most 1 (in full)."]
    response = client.post(
        rule_url, {"effective_from": data["period_from"], "rate": "0.03", "per_item_cap": "500000", "min_value": ""}
    )
    assert response.status_code == 302 and programme.rules.get().per_item_cap == Decimal("500000.00")

    allocations = reverse("subsidies:programme_allocations", args=[programme.pk])
    form = client.get(allocations).context["form"]
    assert len(form.units) == 14
    response = client.post(allocations, {"unit_130100": "4000000", "unit_130200": "2000000"})
    assert response.status_code == 400
    assert "more than the budget" in response.context["form"].non_field_errors()[0]
    assert 'value="4000000"' in response.content.decode()
    response = client.post(allocations, {"unit_130100": "3000000", "unit_130200": "1000000"})
    assert response.status_code == 302 and programme.allocations.count() == 2
    assert client.post(reverse("subsidies:programme_publish", args=[programme.pk])).status_code == 302
    programme.refresh_from_db()
    assert programme.status == "open"
    budget = client.get(reverse("subsidies:programme_budget", args=[programme.pk]))
    assert budget.context["overview"]["programme"]["allocated"] == Decimal("4000000.00")
    assert [row["unit"].code for row in budget.context["overview"]["units"]] == ["130100", "130200"]
    # Editing keeps the applicant kinds ticked.
    edit = client.get(reverse("subsidies:programme_edit", args=[programme.pk]))
    assert edit.context["form"].initial["applicant_kinds"] == ["enterprise", "university"]
    assert client.post(reverse("subsidies:programme_close", args=[programme.pk])).status_code == 302
    programme.refresh_from_db()
    assert programme.status == "closed"


def test_the_budget_overview_shows_commitments_per_unit(client_for, province, application_factory):
    application = application_factory("in_notice")
    response = client_for(province).get(reverse("subsidies:programme_budget", args=[application.programme_id]))
    units = {row["unit"].code: row for row in response.context["overview"]["units"]}
    assert units["130100"]["committed"] == Decimal("30000.00")
    assert units["130100"]["remaining"] == Decimal("270000.00")


# Exports ----------------------------------------------------------------------------------------------


def _workbook(response):
    from openpyxl import load_workbook

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return load_workbook(io.BytesIO(response.content))


def test_exports_hold_all_units_for_the_province_and_its_own_for_a_city(
    client_for,
    province,
    city,
    applicant,
    application_factory,
    programme,
    other_applicant,
    registered_contract_factory,
    other_applicant_org,
    make_organisation,
):
    ours = application_factory("in_notice")
    seller = make_organisation(kind="enterprise", region="130203")
    theirs = application_factory(
        "recommended",
        user=other_applicant,
        contracts=[registered_contract_factory(seller_org=seller, buyer_org=other_applicant_org)],
    )
    application_factory("draft")  # private: in no export
    url = reverse("subsidies:programme_export", args=[programme.pk])
    workbook = _workbook(client_for(province).get(url))
    sheet = workbook.worksheets[0]
    ids = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True) if isinstance(row[0], int)]
    assert sorted(ids) == sorted([ours.pk, theirs.pk])
    units = {row[1] for row in sheet.iter_rows(min_row=3, values_only=True) if isinstance(row[0], int)}
    assert units == {"130100", "130200"}
    for row in sheet.iter_rows(min_row=3, values_only=True):
        if row[0] == ours.pk:
            assert row[4] == ours.applicant.credit_code
            assert Decimal(str(row[6])) == Decimal("30000") and Decimal(str(row[7])) == Decimal("30000")
            assert row[9] is not None and row[10] is not None
    items = workbook.worksheets[1]
    lines = list(items.iter_rows(min_row=2, values_only=True))
    assert sorted(line[0] for line in lines) == sorted([ours.pk, theirs.pk])
    ours_line = next(line for line in lines if line[0] == ours.pk)
    assert ours_line[3] == ours.items.get().contract.registration_number
    assert Decimal(str(ours_line[9])) == Decimal("1000000") and Decimal(str(ours_line[16])) == Decimal("30000")

    city_book = _workbook(client_for(city).get(url))
    ids = [row[0] for row in city_book.worksheets[0].iter_rows(min_row=3, values_only=True) if isinstance(row[0], int)]
    assert ids == [ours.pk]
    assert [row[0] for row in city_book.worksheets[1].iter_rows(min_row=2, values_only=True)] == [ours.pk]
    assert client_for(applicant).get(url).status_code == 403
    # The list page offers the download once a programme is chosen.
    response = client_for(city).get(reverse("subsidies:list"), {"programme": programme.pk})
    assert url in response.content.decode()


# Query counts ----------------------------------------------------------------------------------------


def test_the_list_pages_take_a_fixed_number_of_queries(
    client_for, applicant, province, application_factory, registered_contract_factory, django_assert_max_num_queries
):
    def grow(count):
        for _ in range(count):
            application_factory("in_notice")

    grow(2)
    applying, deciding, anonymous = client_for(applicant), client_for(province), Client()
    pages = [
        (applying, reverse("subsidies:list")),
        (deciding, reverse("subsidies:list")),
        (deciding, reverse("subsidies:queue")),
        (anonymous, reverse("subsidies:notice")),
        (deciding, reverse("subsidies:programmes")),
    ]
    for client, url in pages:
        client.get(url)  # warm the session and the per-process caches
    counts = []
    for client, url in pages:
        # Session, user, grants, the filters' choice lists, count, page: nothing per row.
        with django_assert_max_num_queries(8) as captured:
            client.get(url)
        counts.append(len(captured.captured_queries))
    grow(6)
    for (client, url), count in zip(pages, counts, strict=True):
        with django_assert_max_num_queries(count):
            response = client.get(url)
        assert response.status_code == 200
    assert len(applying.get(reverse("subsidies:list")).context["page"].object_list) == 8
    assert len(anonymous.get(reverse("subsidies:notice")).context["page"].object_list) == 8


def test_users_of_no_role_get_no_list(client_for, make_user):
    user = make_user(None)
    assert client_for(user).get(reverse("subsidies:list")).status_code == 403
    assert client_for(make_user(Role.REGISTRAR)).get(reverse("subsidies:queue")).status_code == 403


def test_the_applicant_adds_evidence_while_editable_and_reviewers_download_it(
    client_for, applicant, city, other_city, application_factory
):
    from tests.contracts.conftest import pdf_upload

    application = application_factory("draft")
    client = english(client_for(applicant))
    url = reverse("subsidies:file_add", args=[application.pk])
    response = client.post(url, {"description": "", "file": pdf_upload("receipt.pdf")})
    assert response.status_code == 400
    assert response.context["evidence_form"].errors["description"] == ["Say what the file shows."]
    response = client.post(url, {"description": "发票", "file": pdf_upload("invoice.txt", content=b"hello")})
    assert response.status_code == 400
    assert response.context["evidence_form"].errors["file"] == ["Evidence must be a PDF file."]
    assert 'value="发票"' in response.content.decode()
    response = client.post(url, {"description": "技术合同发票", "file": pdf_upload("invoice.pdf")})
    assert response.status_code == 302
    evidence = application.files.get()
    download = reverse("subsidies:file", args=[application.pk, evidence.pk])
    assert download in client.get(reverse("subsidies:detail", args=[application.pk])).content.decode()
    assert client_for(other_city).post(url, {"description": "x", "file": pdf_upload()}).status_code == 404
    action(client, application, "submit")
    response = client_for(city).get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    assert client_for(other_city).get(download).status_code == 404
    # Submitted: no more files, and no form for them.
    assert 'id="evidence-form"' not in client.get(reverse("subsidies:detail", args=[application.pk])).content.decode()
    response = client.post(url, {"description": "补充", "file": pdf_upload("more.pdf")})
    assert response.status_code == 302 and application.files.count() == 1


def test_the_bank_account_page_is_for_the_applicant_and_the_province(
    client_for, application_factory, applicant, province, city, make_user
):
    application = application_factory("recommended")
    url = reverse("subsidies:detail", args=[application.pk])
    county = make_user(Role.COUNTY_OFFICIAL, region="130108")
    for official in (city, county):
        response = client_for(official).get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "6222020402012345678" not in html and 'id="bank-account"' not in html
    for insider in (applicant, province):
        assert "6222020402012345678" in client_for(insider).get(url).content.decode()
