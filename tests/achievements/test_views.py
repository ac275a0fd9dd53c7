"""The HTML pages of the marketplace: the public pages, the forms and the unit's review, files,
interest and deals, matches, subscriptions and notifications."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.accounts.models import OrganisationKind, OrganisationStatus, Role
from apps.accounts.policies import actor_for
from apps.achievements import services
from apps.achievements.models import (
    Achievement,
    AchievementStatus,
    Deal,
    DealStatus,
    ListingFile,
    Match,
    Need,
    Subscription,
)
from apps.core.models import Notification
from apps.core.navigation import nav_for
from apps.core.notifications import notify

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def achievement_data(**overrides):
    """What the browser posts for a valid achievement."""
    data = {
        "title": "秸秆还田一体化装备",
        "tech_field": "09",
        "push_fields": ["modern_agriculture"],
        "keywords": "秸秆，还田, 农机",
        "region": "",
        "transfer_modes": ["licensing", "transfer"],
        "lead_unit": "",
        "team": "农机研究团队",
        "summary": "一次作业完成秸秆粉碎与深翻还田。",
        "advantage": "作业效率比现有分段作业提高 40%。",
        "commercial_route": "卖给农机合作社，按台收取许可费。",
        "application_fields": "玉米、小麦产区",
        "maturity": "mature",
        "ip_type": "invention",
        "ip_numbers": "",
        "ip_status": "applied",
        "price": "150000",
        "contact_name": "王老师",
        "contact_phone": "13900000001",
        "contact_email": "wang@example.cn",
    }
    data.update(overrides)
    return data


def need_data(**overrides):
    data = {
        "title": "高盐废水零排放处理",
        "tech_field": "07",
        "push_fields": ["pollution_control"],
        "keywords": "高盐废水, 零排放",
        "region": "",
        "problem": "化工园区高盐废水蒸发结晶能耗高。",
        "expected_outcome": "吨水处理成本降低三成。",
        "budget_min": "500000",
        "budget_max": "2000000",
        "deadline": "",
        "desired_maturity": "mature",
        "contact_name": "赵经理",
        "contact_phone": "13900000002",
        "contact_email": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def university(make_organisation):
    return make_organisation(kind=OrganisationKind.UNIVERSITY, region="130104")


@pytest.fixture
def author(make_user, university):
    return make_user(Role.UNIVERSITY, organisation=university)


@pytest.fixture
def colleague(make_user, university):
    """Another user of the same university: the unit's reviewer."""
    return make_user(Role.UNIVERSITY, organisation=university)


@pytest.fixture
def outsider(make_user):
    return make_user(Role.UNIVERSITY, region="130200")


@pytest.fixture
def enterprise_user(make_user):
    return make_user(Role.ENTERPRISE, region="130108")


@pytest.fixture
def published(make_published_achievement, university):
    return make_published_achievement(
        "智能灌溉控制系统",
        publisher=university,
        contact_name="李老师",
        contact_phone="13812345678",
        contact_email="li@example.cn",
        price=Decimal("80000.00"),
        negotiable=False,
        push_fields=["modern_agriculture"],
    )


@pytest.fixture
def draft(author, university):
    return services.listing_create(
        actor=author,
        model=Achievement,
        publisher=university,
        data=services.AchievementInput(
            title="未公开的草稿成果",
            tech_field="07",
            summary="草稿",
            advantage="更好",
            commercial_route="卖给企业",
            maturity="mature",
            negotiable=True,
            contact_phone="13700000000",
        ),
    )


# The public pages ------------------------------------------------------------------------------------


def test_public_pages_need_no_login_and_show_published_listings_only(client, published, draft, make_published_need):
    need = make_published_need("工业废水深度处理", contact_phone="13611112222")
    english(client)
    index = client.get(reverse("achievements:index"))
    assert index.status_code == 200
    assert published.title in index.content.decode()
    assert need.title in index.content.decode()
    assert draft.title not in index.content.decode()

    listing = client.get(reverse("achievements:list"))
    body = listing.content.decode()
    assert listing.status_code == 200
    assert published.title in body and draft.title not in body
    assert "80,000.00" in body  # the shared money filter, in every language

    needs = client.get(reverse("achievements:need_list"))
    assert needs.status_code == 200 and need.title in needs.content.decode()

    detail = client.get(reverse("achievements:detail", args=[published.pk]))
    body = detail.content.decode()
    assert detail.status_code == 200
    assert published.title in body
    assert "13812345678" not in body and "li@example.cn" not in body
    assert 'id="contact-login"' in body
    assert 'id="timeline"' not in body

    need_detail = client.get(reverse("achievements:need_detail", args=[need.pk]))
    assert need_detail.status_code == 200 and "13611112222" not in need_detail.content.decode()


def test_signed_in_users_see_the_contacts(client_for, make_user, published):
    viewer = make_user(Role.ENTERPRISE)
    body = client_for(viewer).get(reverse("achievements:detail", args=[published.pk])).content.decode()
    assert "13812345678" in body and "li@example.cn" in body


@pytest.mark.parametrize(
    "org_status", [OrganisationStatus.PENDING, OrganisationStatus.REJECTED, OrganisationStatus.SUSPENDED, None]
)
def test_users_of_organisations_not_activated_see_no_contacts(client_for, make_user, published, org_status):
    viewer = make_user(Role.ENTERPRISE, org_status=org_status) if org_status else make_user()
    response = client_for(viewer).get(reverse("achievements:detail", args=[published.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and published.title in body
    assert "13812345678" not in body and "li@example.cn" not in body
    assert 'id="contact-pending"' in body


def test_a_draft_is_404_to_everyone_but_its_organisation(client, client_for, draft, outsider, colleague):
    url = reverse("achievements:detail", args=[draft.pk])
    assert client.get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    response = client_for(colleague).get(url)
    assert response.status_code == 200
    assert "13700000000" in response.content.decode()


def test_the_list_filters_and_searches(client, make_published_achievement):
    make_published_achievement("秸秆还田机械", tech_field="09", push_fields=["modern_agriculture"])
    make_published_achievement("垃圾焚烧烟气净化", tech_field="07", push_fields=["pollution_control"])
    body = client.get(reverse("achievements:list"), {"push_field": "modern_agriculture"}).content.decode()
    assert "秸秆还田机械" in body and "垃圾焚烧烟气净化" not in body
    body = client.get(reverse("achievements:list"), {"q": "烟气净化"}).content.decode()
    assert "垃圾焚烧烟气净化" in body and "秸秆还田机械" not in body
    body = english(client).get(reverse("achievements:list"), {"tech_field": "nonsense"}).content.decode()
    assert "Some filters are not valid" in body


def test_the_public_list_runs_a_bounded_number_of_queries(
    client, make_published_achievement, django_assert_max_num_queries
):
    for number in range(25):
        make_published_achievement(f"成果{number}", push_fields=["smart_city"], transfer_modes=["licensing"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("achievements:list"), {"q": "成果", "page": 2})
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("achievements:need_list")).status_code == 200


# Forms and the unit's review -----------------------------------------------------------------------


def test_create_submit_approve_by_a_colleague_then_public(client, client_for, author, colleague, university):
    web = client_for(author)
    response = web.post(reverse("achievements:create"), achievement_data())
    assert response.status_code == 302
    achievement = Achievement.objects.get(title="秸秆还田一体化装备")
    assert response.url == reverse("achievements:detail", args=[achievement.pk])
    assert achievement.status == AchievementStatus.DRAFT
    assert achievement.publisher == university and achievement.region_id == university.region_id
    assert achievement.keywords == ["秸秆", "还田", "农机"]
    assert achievement.lead_unit == university.name
    assert client.get(response.url).status_code == 404

    mine = web.get(reverse("achievements:mine")).content.decode()
    assert achievement.title in mine

    assert web.post(reverse("achievements:action", args=[achievement.pk, "submit"])).status_code == 302
    achievement.refresh_from_db()
    assert achievement.status == AchievementStatus.PENDING

    # The author may not approve their own listing; the page does not offer it either.
    assert 'id="action-approve"' not in web.get(response.url).content.decode()
    assert web.post(reverse("achievements:action", args=[achievement.pk, "approve"])).status_code == 403

    reviewer = client_for(colleague)
    queue = reviewer.get(reverse("achievements:review")).content.decode()
    assert achievement.title in queue
    assert 'id="action-approve"' in reviewer.get(response.url).content.decode()
    assert reviewer.post(reverse("achievements:action", args=[achievement.pk, "approve"])).status_code == 302
    achievement.refresh_from_db()
    assert achievement.status == AchievementStatus.PUBLISHED

    assert client.get(response.url).status_code == 200
    assert achievement.title in client.get(reverse("achievements:list")).content.decode()
    history = web.get(response.url).content.decode()
    assert 'id="timeline"' in history


def test_return_needs_a_reason_and_shows_it_to_the_author(client_for, author, colleague, draft):
    services.listing_transition(actor=author, listing=draft, action="submit")
    reviewer = english(client_for(colleague))
    url = reverse("achievements:action", args=[draft.pk, "return"])
    response = reviewer.post(url, {"note": ""})
    assert response.status_code == 400
    assert 'id="action-return"' in response.content.decode()
    assert reviewer.post(url, {"note": "请补充技术指标"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "returned"
    body = client_for(author).get(reverse("achievements:detail", args=[draft.pk])).content.decode()
    assert "请补充技术指标" in body and 'id="edit-link"' in body


def test_form_errors_stay_on_the_form_with_the_input_kept(client_for, author):
    web = english(client_for(author))
    response = web.post(reverse("achievements:create"), achievement_data(advantage=""))
    assert response.status_code == 400
    assert "advantage" in response.context["form"].errors
    assert "秸秆还田一体化装备" in response.content.decode()

    # A refusal of the service lands next to the field it names.
    response = web.post(reverse("achievements:create"), achievement_data(price=""))
    assert response.status_code == 400
    assert response.context["form"].errors["price"] == ["Give an asking price, or mark the price negotiable."]
    assert "一次作业完成秸秆粉碎与深翻还田。" in response.content.decode()
    assert not Achievement.objects.exists()


def test_edit_keeps_values_and_a_published_listing_must_be_withdrawn_first(client_for, author, draft, published):
    web = client_for(author)
    url = reverse("achievements:edit", args=[draft.pk])
    assert "未公开的草稿成果" in web.get(url).content.decode()
    response = web.post(url, achievement_data(title="改过的标题"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "改过的标题"
    response = web.get(reverse("achievements:edit", args=[published.pk]))
    assert response.status_code == 302 and response.url == reverse("achievements:detail", args=[published.pk])


def test_enterprise_creates_a_need(client_for, make_user):
    web = client_for(make_user(Role.ENTERPRISE))
    response = web.post(reverse("achievements:need_create"), need_data())
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.budget_max == Decimal("2000000.00") and need.status == "draft"
    response = web.post(reverse("achievements:need_create"), need_data(title="第二个", budget_min="9000000"))
    assert response.status_code == 400 and "budget_max" in response.context["form"].errors


def test_universities_may_not_publish_needs(client_for, author):
    assert client_for(author).get(reverse("achievements:need_create")).status_code == 403


def test_anonymous_users_are_sent_to_log_in_for_private_pages(client, draft):
    for url in (
        reverse("achievements:mine"),
        reverse("achievements:create"),
        reverse("achievements:review"),
        reverse("achievements:deals"),
        reverse("achievements:subscriptions"),
        reverse("achievements:notifications"),
        reverse("achievements:edit", args=[draft.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login")), url


# Files -----------------------------------------------------------------------------------------------


def test_upload_and_download_follow_the_listing(client, client_for, author, colleague, outsider):
    web = english(client_for(author))
    web.post(reverse("achievements:create"), achievement_data())
    achievement = Achievement.objects.get()
    upload = SimpleUploadedFile("说明书.pdf", PDF, content_type="application/pdf")
    response = web.post(reverse("achievements:file_add", args=[achievement.pk]), {"kind": "document", "file": upload})
    assert response.status_code == 302
    item = ListingFile.objects.get()
    url = reverse("achievements:file", args=[achievement.pk, item.pk])

    bad = SimpleUploadedFile("notes.pdf", b"plain text", content_type="application/pdf")
    response = web.post(reverse("achievements:file_add", args=[achievement.pk]), {"kind": "document", "file": bad})
    assert response.status_code == 400
    assert "A document must be a PDF file." in response.content.decode()

    # A draft's file: its organisation only.
    response = client_for(colleague).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert client_for(outsider).get(url).status_code == 404
    assert client.get(url).status_code == 404
    # Under another listing's address it is not found either.
    assert (
        client_for(colleague).get(reverse("achievements:need_file", args=[achievement.pk, item.pk])).status_code == 404
    )

    services.listing_transition(actor=author, listing=achievement, action="submit")
    services.listing_transition(actor=colleague, listing=achievement, action="approve")
    assert client.get(url).status_code == 200
    assert client_for(outsider).get(url).status_code == 200
    assert url in client.get(reverse("achievements:detail", args=[achievement.pk])).content.decode()


def test_images_are_shown_and_removed_by_the_publisher_only(client_for, author, outsider, published, make_user):
    publisher_user = make_user(Role.UNIVERSITY, organisation=published.publisher)
    web = client_for(publisher_user)
    upload = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
    web.post(reverse("achievements:file_add", args=[published.pk]), {"kind": "image", "file": upload})
    item = ListingFile.objects.get()
    response = client_for(outsider).get(reverse("achievements:file", args=[published.pk, item.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client_for(outsider).post(reverse("achievements:file_remove", args=[item.pk])).status_code == 403
    assert client_for(outsider).post(reverse("achievements:file_add", args=[published.pk])).status_code == 403
    assert web.post(reverse("achievements:file_remove", args=[item.pk])).status_code == 302
    item.refresh_from_db()
    assert item.is_removed


# Interest and deals -------------------------------------------------------------------------------------


def test_express_interest_and_follow_the_deal(client_for, make_user, enterprise_user, published, make_published_need):
    publisher_user = make_user(Role.UNIVERSITY, organisation=published.publisher)
    buyer_org = actor_for(enterprise_user).grants[0].organisation_id
    from apps.accounts.models import Organisation

    need = make_published_need("灌溉节水改造", publisher=Organisation.objects.get(pk=buyer_org))
    buyer = english(client_for(enterprise_user))
    page = buyer.get(reverse("achievements:detail", args=[published.pk])).content.decode()
    assert 'id="interest-form"' in page and need.title in page

    response = buyer.post(reverse("achievements:express", args=[published.pk]), {"message": "", "need": need.pk})
    assert response.status_code == 400 and "message" in response.context["interest_form"].errors

    response = buyer.post(
        reverse("achievements:express", args=[published.pk]), {"message": "想了解许可条件", "need": need.pk}
    )
    deal = Deal.objects.get()
    assert response.status_code == 302 and response.url == reverse("achievements:deal_detail", args=[deal.pk])
    assert deal.need == need and deal.status == DealStatus.INTERESTED
    assert Notification.objects.filter(user=publisher_user, kind="deal.express").exists()
    assert 'id="open-deal"' in buyer.get(reverse("achievements:detail", args=[published.pk])).content.decode()

    # Only the publisher answers; the buyer may withdraw.
    assert buyer.post(reverse("achievements:deal_action", args=[deal.pk, "accept"]), {"note": "好"}).status_code == 403
    seller = english(client_for(publisher_user))
    page = seller.get(reverse("achievements:deal_detail", args=[deal.pk])).content.decode()
    assert 'id="action-accept"' in page and 'id="action-withdraw"' not in page
    assert seller.post(reverse("achievements:deal_action", args=[deal.pk, "accept"]), {"note": ""}).status_code == 400
    response = seller.post(reverse("achievements:deal_action", args=[deal.pk, "accept"]), {"note": "欢迎来校洽谈"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.ACCEPTED and deal.response == "欢迎来校洽谈"

    meeting = reverse("achievements:deal_action", args=[deal.pk, "meeting"])
    response = seller.post(meeting, {"meeting_at": "2030-05-06T14:30", "meeting_place": ""})
    assert response.status_code == 400 and "meeting_place" in response.context["actions"][0]["form"].errors
    response = seller.post(
        meeting, {"meeting_at": "2030-05-06T14:30", "meeting_place": "学校科技处 301", "note": "带样机"}
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.MEETING and deal.meeting_place == "学校科技处 301"
    assert deal.meeting_at.hour == 6  # 14:30 in Asia/Shanghai is 06:30 UTC

    assert buyer.get(reverse("achievements:deals")).content.decode().count(published.title) >= 1
    response = buyer.post(reverse("achievements:deal_action", args=[deal.pk, "withdraw"]), {"note": "预算调整"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.CLOSED
    assert deal.steps.count() == 4

    # Another enterprise neither sees the deal nor acts on it.
    stranger = client_for(make_user(Role.ENTERPRISE))
    assert stranger.get(reverse("achievements:deal_detail", args=[deal.pk])).status_code == 404
    assert published.title not in stranger.get(reverse("achievements:deals")).content.decode()


def test_the_publisher_and_universities_get_no_interest_form(client_for, make_user, published, author):
    page = client_for(author).get(reverse("achievements:detail", args=[published.pk])).content.decode()
    assert 'id="interest-form"' not in page
    assert (
        client_for(author).post(reverse("achievements:express", args=[published.pk]), {"message": "x"}).status_code
        == 403
    )


# Matches ------------------------------------------------------------------------------------------------


def test_matches_page_shows_score_and_readable_reasons(
    client_for, make_user, published, make_published_need, enterprise_user, outsider
):
    need = make_published_need("智慧灌溉需求")
    Match.objects.create(
        need=need,
        achievement=published,
        score=Decimal("72.00"),
        reasons={
            "terms": ["灌溉", "控制"],
            "field": True,
            "push_fields": ["modern_agriculture"],
            "region": "hebei",
            "maturity": True,
            "budget": False,
        },
    )
    owner = english(client_for(make_user(Role.ENTERPRISE, organisation=need.publisher)))
    response = owner.get(reverse("achievements:need_matches", args=[need.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert published.title in body and 'match-score">72<' in body
    for label in ("Shared terms: 灌溉、控制", "Same technology field", "Modern agriculture", "Both in Hebei"):
        assert label in body
    assert "Outside the budget" in body

    publisher = english(client_for(make_user(Role.UNIVERSITY, organisation=published.publisher)))
    body = publisher.get(reverse("achievements:matches", args=[published.pk])).content.decode()
    assert need.title in body
    assert client_for(enterprise_user).get(reverse("achievements:need_matches", args=[need.pk])).status_code == 403


def undefined_badge_classes(body: str) -> set[str]:
    """Classes of the page's badges that neither Bootstrap nor the portal's stylesheets define.

    A badge's text is white unless a class colours it: with an unknown colour class (Bootstrap has
    no ``text-bg-success-subtle``) the label is white on the light card, unreadable.
    """
    sheets = [settings.BASE_DIR / "node_modules/bootstrap/dist/css/bootstrap.min.css"]
    sheets += sorted((settings.BASE_DIR / "static" / "css").glob("*.css"))
    defined = {name for sheet in sheets for name in re.findall(r"\.(-?[_a-zA-Z][\w-]*)", sheet.read_text())}
    badges = re.findall(r'class="(badge [^"]*)"', body)
    assert badges, "the page shows badges"
    used = {name for value in badges for name in value.split() if name.startswith(("text-", "bg-", "border-"))}
    return used - defined


def test_match_reasons_and_push_fields_are_badges_the_stylesheets_colour(
    client_for, make_user, published, make_published_need
):
    need = make_published_need("智慧灌溉需求", push_fields=["modern_agriculture"])
    Match.objects.create(
        need=need,
        achievement=published,
        score=Decimal("72.00"),
        reasons={"terms": ["灌溉"], "field": True, "maturity": True, "budget": False},
    )
    owner = client_for(make_user(Role.ENTERPRISE, organisation=need.publisher))
    for url in (
        reverse("achievements:need_matches", args=[need.pk]),
        published.get_absolute_url(),
        need.get_absolute_url(),
        reverse("achievements:list"),
        reverse("achievements:need_list"),
    ):
        assert undefined_badge_classes(owner.get(url).content.decode()) == set(), url


# Subscriptions and notifications --------------------------------------------------------------------------


def test_subscriptions_crud_only_own(client_for, make_user):
    user, other = make_user(Role.ENTERPRISE), make_user(Role.ENTERPRISE)
    web = english(client_for(user))
    response = web.post(reverse("achievements:subscription_create"), {"name": "空的", "listing_kind": "achievements"})
    assert response.status_code == 400
    assert "Say what you want pushed" in response.content.decode()
    response = web.post(
        reverse("achievements:subscription_create"),
        {
            "name": "农业",
            "listing_kind": "achievements",
            "push_fields": ["modern_agriculture"],
            "keywords": "灌溉，节水",
        },
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get(user=user)
    assert subscription.keywords == ["灌溉", "节水"] and subscription.email_digest is False
    assert "农业" in web.get(reverse("achievements:subscriptions")).content.decode()

    edit = reverse("achievements:subscription_edit", args=[subscription.pk])
    assert "灌溉, 节水" in web.get(edit).content.decode()
    assert (
        web.post(
            edit, {"name": "农业2", "listing_kind": "needs", "tech_fields": ["09"], "email_digest": "on"}
        ).status_code
        == 302
    )
    subscription.refresh_from_db()
    assert subscription.name == "农业2" and subscription.listing_kind == "needs" and subscription.email_digest

    intruder = client_for(other)
    assert intruder.get(edit).status_code == 404
    assert intruder.post(reverse("achievements:subscription_delete", args=[subscription.pk])).status_code == 404
    assert "农业2" not in intruder.get(reverse("achievements:subscriptions")).content.decode()
    assert web.post(reverse("achievements:subscription_delete", args=[subscription.pk])).status_code == 302
    assert not Subscription.objects.exists()


def test_notifications_page_shows_only_own_and_marks_read(client_for, make_user, published):
    user, other = make_user(Role.ENTERPRISE), make_user(Role.ENTERPRISE)
    mine = notify(users=[user], kind="match", title="我的通知", url=published.get_absolute_url())[0]
    notify(users=[other], kind="match", title="别人的通知")
    web = client_for(user)
    body = web.get(reverse("achievements:notifications")).content.decode()
    assert "我的通知" in body and "别人的通知" not in body and 'id="unread-count"' in body

    theirs = Notification.objects.get(user=other)
    assert web.post(reverse("achievements:notification_open", args=[theirs.pk])).status_code == 404
    response = web.post(reverse("achievements:notification_open", args=[mine.pk]))
    assert response.status_code == 302 and response.url == published.get_absolute_url()
    mine.refresh_from_db()
    assert mine.read_at is not None

    notify(users=[user], kind="match", title="第二条")
    assert web.post(reverse("achievements:notifications_read")).status_code == 302
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).exists()


def test_notification_links_elsewhere_are_not_followed(client_for, make_user):
    user = make_user(Role.ENTERPRISE)
    item = notify(users=[user], kind="x", title="外链", url="https://evil.example.com/")[0]
    response = client_for(user).post(reverse("achievements:notification_open", args=[item.pk]))
    assert response.url == reverse("achievements:notifications")


# Navigation and home cards -------------------------------------------------------------------------------


def test_navigation_by_role(author, colleague, draft, make_user):
    anonymous = actor_for(None)
    assert [e.key for e in nav_for(anonymous) if e.key == "marketplace"] == ["marketplace"]
    assert "my-listings" not in {e.key for e in nav_for(anonymous)}
    keys = {e.key for e in nav_for(actor_for(author))}
    assert {"marketplace", "my-listings", "listing-review", "deals", "subscriptions", "notifications"} <= keys
    official = {e.key for e in nav_for(actor_for(make_user(Role.CITY_OFFICIAL)))}
    assert "deals" in official and "my-listings" not in official


def test_home_shows_the_review_card(client_for, author, colleague, draft):
    services.listing_transition(actor=author, listing=draft, action="submit")
    response = client_for(colleague).get(reverse("core:home"))
    cards = {card["key"]: card for card in response.context["cards"]}
    assert cards["listing-review"]["value"] == 1
    assert "notifications" not in cards  # nothing unread: no card
    Notification.objects.create(user=colleague, kind="match", title="新匹配")
    cards = {card["key"]: card for card in client_for(colleague).get(reverse("core:home")).context["cards"]}
    assert cards["notifications"]["value"] == 1


def test_officials_see_submitted_listings_of_their_area_and_take_down(client_for, make_user, published, author):
    official = make_user(Role.CITY_OFFICIAL, region="130100")
    web = client_for(official)
    page = web.get(reverse("achievements:detail", args=[published.pk])).content.decode()
    assert 'id="action-take_down"' in page and 'id="h-timeline"' in page
    assert web.post(reverse("achievements:action", args=[published.pk, "take_down"]), {"note": ""}).status_code == 400
    assert (
        web.post(reverse("achievements:action", args=[published.pk, "take_down"]), {"note": "信息失实"}).status_code
        == 302
    )
    published.refresh_from_db()
    assert published.status == "withdrawn"
    assert Client().get(reverse("achievements:detail", args=[published.pk])).status_code == 404
