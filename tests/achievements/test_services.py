"""The listing workflow, files, deals, subscriptions and the loop a registered contract closes."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.models import OrganisationKind, Role
from apps.achievements import services
from apps.achievements.models import (
    Achievement,
    AchievementStatus,
    Deal,
    DealStatus,
    ListingFile,
    ListingStep,
    Need,
    NeedStatus,
    Subscription,
)
from apps.achievements.services import AchievementInput, NeedInput, SubscriptionInput
from apps.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from apps.core.models import Notification

pytestmark = pytest.mark.django_db


def achievement_input(**overrides) -> AchievementInput:
    values = {
        "title": "玉米秸秆综合利用制备生物有机肥技术",
        "tech_field": "07",
        "push_fields": ["resource_recycling", "modern_agriculture"],
        "keywords": ["秸秆", "有机肥"],
        "summary": "秸秆粉碎后接种复合菌剂好氧发酵，21天腐熟，制成生物有机肥。",
        "advantage": "腐熟周期由45天缩短到21天，成本降低30%。",
        "commercial_route": "向种植大户和合作社销售有机肥；技术受让方建厂年产2万吨。",
        "maturity": "mature",
        "ip_type": "invention",
        "ip_numbers": ["200310102344.5"],
        "ip_status": "granted",
        "transfer_modes": ["transfer", "licensing"],
        "price": Decimal("800000"),
        "contact_name": "李教授",
        "contact_phone": "0311-87654321",
    }
    values.update(overrides)
    return AchievementInput(**values)


def need_input(**overrides) -> NeedInput:
    values = {
        "title": "秸秆综合利用技术需求",
        "tech_field": "07",
        "push_fields": ["resource_recycling"],
        "problem": "每年产生玉米秸秆5万吨，需要秸秆制肥或饲料化的成熟技术。",
        "budget_min": Decimal("300000"),
        "budget_max": Decimal("1000000"),
    }
    values.update(overrides)
    return NeedInput(**values)


@pytest.fixture
def university(make_organisation):
    return make_organisation(kind=OrganisationKind.UNIVERSITY, region="130104")


@pytest.fixture
def author(make_user, university):
    return make_user(Role.UNIVERSITY, organisation=university)


@pytest.fixture
def reviewer(make_user, university):
    return make_user(Role.UNIVERSITY, organisation=university)


@pytest.fixture
def enterprise(make_organisation):
    return make_organisation(kind=OrganisationKind.ENTERPRISE, region="130108")


@pytest.fixture
def buyer_user(make_user, enterprise):
    return make_user(Role.ENTERPRISE, organisation=enterprise)


@pytest.fixture
def buyer_reviewer(make_user, enterprise):
    return make_user(Role.ENTERPRISE, organisation=enterprise)


@pytest.fixture
def published(author, reviewer, university):
    achievement = services.listing_create(
        actor=author, model=Achievement, publisher=university, data=achievement_input()
    )
    services.listing_transition(actor=author, listing=achievement, action="submit")
    return services.listing_transition(actor=reviewer, listing=achievement, action="approve")


# Drafting and validation ----------------------------------------------------------------------------


def test_create_records_the_draft_with_its_author_and_search_text(author, university):
    achievement = services.listing_create(
        actor=author, model=Achievement, publisher=university, data=achievement_input()
    )
    achievement.refresh_from_db()
    assert achievement.status == AchievementStatus.DRAFT
    assert achievement.author == author
    assert achievement.region_id == "130104"  # the publisher's region when none is given
    assert achievement.lead_unit == university.name
    assert achievement.search_vector  # segmented text indexed at once
    assert list(achievement.steps.values_list("action", flat=True)) == ["create"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"advantage": ""}, "advantage"),
        ({"commercial_route": ""}, "commercial_route"),
        ({"summary": ""}, "summary"),
        ({"maturity": "ripe"}, "maturity"),
        ({"tech_field": "99"}, "tech_field"),
        ({"push_fields": ["smart_city", "moon_base"]}, "push_fields"),
        ({"transfer_modes": ["gift"]}, "transfer_modes"),
        ({"ip_numbers": ["200310102344.6"]}, "ip_numbers"),  # wrong check digit
        ({"ip_numbers": []}, "ip_numbers"),  # a granted patent needs its number
        ({"price": None, "negotiable": False}, "price"),
        ({"price": Decimal("-1")}, "price"),
        ({"keywords": [f"词{i}" for i in range(9)]}, "keywords"),
        ({"region": "999999"}, "region"),
        ({"contact_email": "not-an-address"}, "contact_email"),
    ],
)
def test_bad_achievement_input_names_the_field_and_writes_nothing(author, university, overrides, field):
    with pytest.raises(InvalidInput) as caught:
        services.listing_create(
            actor=author, model=Achievement, publisher=university, data=achievement_input(**overrides)
        )
    assert caught.value.field == field
    assert not Achievement.objects.exists()
    assert not ListingStep.objects.exists()


def test_negotiable_price_may_be_left_out(author, university):
    achievement = services.listing_create(
        actor=author, model=Achievement, publisher=university, data=achievement_input(price=None, negotiable=True)
    )
    assert achievement.price is None and achievement.negotiable


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"problem": ""}, "problem"),
        ({"budget_min": Decimal("2000000")}, "budget_max"),
        ({"desired_maturity": "soon"}, "desired_maturity"),
    ],
)
def test_bad_need_input_is_refused(buyer_user, enterprise, overrides, field):
    with pytest.raises(InvalidInput) as caught:
        services.listing_create(actor=buyer_user, model=Need, publisher=enterprise, data=need_input(**overrides))
    assert caught.value.field == field
    assert not Need.objects.exists()


def test_a_need_deadline_in_the_past_is_refused(buyer_user, enterprise):
    from datetime import date

    with pytest.raises(InvalidInput) as caught:
        services.listing_create(
            actor=buyer_user, model=Need, publisher=enterprise, data=need_input(deadline=date(2020, 1, 1))
        )
    assert caught.value.field == "deadline"


def test_only_members_of_the_publisher_may_draft_for_it(make_user, university, enterprise):
    stranger = make_user(Role.UNIVERSITY)  # another university
    with pytest.raises(PermissionDenied):
        services.listing_create(actor=stranger, model=Achievement, publisher=university, data=achievement_input())
    official = make_user(Role.CITY_OFFICIAL)
    with pytest.raises(PermissionDenied):
        services.listing_create(actor=official, model=Achievement, publisher=university, data=achievement_input())
    university_user = make_user(Role.UNIVERSITY)
    with pytest.raises(PermissionDenied):  # needs are published by enterprises
        services.listing_create(actor=university_user, model=Need, publisher=enterprise, data=need_input())
    assert not Achievement.objects.exists() and not Need.objects.exists()


# The workflow --------------------------------------------------------------------------------------


def test_unit_review_publishes_with_four_eyes(author, reviewer, university):
    achievement = services.listing_create(
        actor=author, model=Achievement, publisher=university, data=achievement_input()
    )
    services.listing_transition(actor=author, listing=achievement, action="submit")
    with pytest.raises(PermissionDenied):
        services.listing_transition(actor=author, listing=achievement, action="approve")
    achievement.refresh_from_db()
    assert achievement.status == AchievementStatus.PENDING
    published = services.listing_transition(actor=reviewer, listing=achievement, action="approve")
    assert published.status == AchievementStatus.PUBLISHED and published.published_at
    steps = list(published.steps.values_list("action", "from_status", "to_status", "actor_id"))
    assert steps[1:] == [
        ("submit", "draft", "pending", author.pk),
        ("approve", "pending", "published", reviewer.pk),
    ]
    # The author hears of it.
    assert Notification.objects.filter(user=author, kind="listing.approve").exists()


def test_return_needs_a_reason_and_the_returned_listing_can_be_fixed_and_resubmitted(author, reviewer, university):
    achievement = services.listing_create(
        actor=author, model=Achievement, publisher=university, data=achievement_input()
    )
    services.listing_transition(actor=author, listing=achievement, action="submit")
    with pytest.raises(InvalidInput):
        services.listing_transition(actor=reviewer, listing=achievement, action="return", note=" ")
    achievement.refresh_from_db()
    assert achievement.status == AchievementStatus.PENDING
    services.listing_transition(actor=reviewer, listing=achievement, action="return", note="补充效益数据")
    fixed = services.listing_update(
        actor=author, listing=achievement, data=achievement_input(advantage="腐熟周期缩短53%，每吨成本降低120元。")
    )
    assert fixed.status == AchievementStatus.RETURNED
    assert services.listing_transition(actor=author, listing=fixed, action="submit").status == "pending"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("draft", "approve"),
        ("draft", "withdraw"),
        ("published", "submit"),
        ("published", "approve"),
        ("withdrawn", "approve"),
        ("transferred", "withdraw"),
    ],
)
def test_illegal_transitions_are_409_and_change_nothing(author, reviewer, university, status, action):
    achievement = services.listing_create(
        actor=author, model=Achievement, publisher=university, data=achievement_input()
    )
    Achievement.objects.filter(pk=achievement.pk).update(status=status)
    achievement.refresh_from_db()
    actor = reviewer if action == "approve" else author
    steps = achievement.steps.count()
    with pytest.raises(Conflict) as caught:
        services.listing_transition(actor=actor, listing=achievement, action=action)
    assert caught.value.code == "illegal_transition"
    achievement.refresh_from_db()
    assert achievement.status == status
    assert achievement.steps.count() == steps


def test_a_published_listing_cannot_be_edited_until_withdrawn(author, published):
    with pytest.raises(Conflict):
        services.listing_update(actor=author, listing=published, data=achievement_input(title="新标题"))
    withdrawn = services.listing_transition(actor=author, listing=published, action="withdraw")
    edited = services.listing_update(actor=author, listing=withdrawn, data=achievement_input(title="新标题"))
    assert edited.title == "新标题"


def test_officials_of_the_area_take_down_with_a_reason_others_may_not(make_user, published):
    other_city = make_user(Role.CITY_OFFICIAL, region="130200")
    with pytest.raises(PermissionDenied):
        services.listing_transition(actor=other_city, listing=published, action="take_down", note="虚假信息")
    city = make_user(Role.CITY_OFFICIAL, region="130100")
    with pytest.raises(InvalidInput):
        services.listing_transition(actor=city, listing=published, action="take_down")
    done = services.listing_transition(actor=city, listing=published, action="take_down", note="专利已失效")
    assert done.status == AchievementStatus.WITHDRAWN and done.status_note == "专利已失效"


def test_needs_follow_the_same_review(buyer_user, buyer_reviewer, enterprise):
    need = services.listing_create(actor=buyer_user, model=Need, publisher=enterprise, data=need_input())
    services.listing_transition(actor=buyer_user, listing=need, action="submit")
    need = services.listing_transition(actor=buyer_reviewer, listing=need, action="approve")
    assert need.status == NeedStatus.PUBLISHED


def test_needs_expire_after_their_deadline(buyer_user, buyer_reviewer, enterprise):
    from datetime import timedelta

    from django.utils import timezone

    need = services.listing_create(
        actor=buyer_user,
        model=Need,
        publisher=enterprise,
        data=need_input(deadline=timezone.localdate() + timedelta(days=3)),
    )
    services.listing_transition(actor=buyer_user, listing=need, action="submit")
    services.listing_transition(actor=buyer_reviewer, listing=need, action="approve")
    assert services.needs_expire(today=timezone.localdate() + timedelta(days=3)) == 0
    assert services.needs_expire(today=timezone.localdate() + timedelta(days=4)) == 1
    need.refresh_from_db()
    assert need.status == NeedStatus.EXPIRED
    assert services.needs_expire(today=timezone.localdate() + timedelta(days=5)) == 0


# Files -------------------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_images_and_pdfs_are_checked_by_content(author, university, settings):
    achievement = services.listing_create(
        actor=author, model=Achievement, publisher=university, data=achievement_input()
    )
    image = services.listing_file_add(
        actor=author, listing=achievement, upload=SimpleUploadedFile("a.png", PNG), kind="image"
    )
    assert image.content_type == "image/png" and image.size == len(PNG)
    with pytest.raises(InvalidInput):  # a PDF called .png is not an image
        services.listing_file_add(
            actor=author, listing=achievement, upload=SimpleUploadedFile("b.png", b"%PDF-1.4 x"), kind="image"
        )
    with pytest.raises(InvalidInput):  # an image is not a document
        services.listing_file_add(
            actor=author, listing=achievement, upload=SimpleUploadedFile("c.pdf", PNG), kind="document"
        )
    settings.HEBTT_LISTING_DOCUMENT_MAX_BYTES = 10
    with pytest.raises(InvalidInput) as caught:
        services.listing_file_add(
            actor=author,
            listing=achievement,
            upload=SimpleUploadedFile("d.pdf", b"%PDF-1.4 long enough"),
            kind="document",
        )
    assert caught.value.code == "file_too_large"
    assert ListingFile.objects.count() == 1


def test_another_organisation_cannot_attach_files(make_user, author, university):
    achievement = services.listing_create(
        actor=author, model=Achievement, publisher=university, data=achievement_input()
    )
    with pytest.raises(PermissionDenied):
        services.listing_file_add(
            actor=make_user(Role.UNIVERSITY), listing=achievement, upload=io.BytesIO(PNG), kind="image"
        )


# Deals -----------------------------------------------------------------------------------------------


def test_deal_pipeline_from_interest_to_meeting(buyer_user, author, published):
    from datetime import timedelta

    from django.utils import timezone

    deal = services.deal_express(
        actor=buyer_user, buyer=buyer_user.memberships.get().organisation, achievement=published, message="希望洽谈许可"
    )
    assert deal.status == DealStatus.INTERESTED
    assert Notification.objects.filter(user=author, kind="deal.express").exists()
    with pytest.raises(Conflict):  # one open conversation per enterprise and achievement
        services.deal_express(actor=buyer_user, buyer=deal.buyer, achievement=published, message="再次表达意向")
    with pytest.raises(PermissionDenied):  # the buyer does not answer for the publisher
        services.deal_transition(actor=buyer_user, deal=deal, action="accept", note="好")
    deal = services.deal_transition(actor=author, deal=deal, action="accept", note="欢迎来校交流")
    with pytest.raises(InvalidInput):
        services.deal_transition(actor=author, deal=deal, action="meeting", meeting_place="会议室")
    deal = services.deal_transition(
        actor=author,
        deal=deal,
        action="meeting",
        meeting_at=timezone.now() + timedelta(days=7),
        meeting_place="河北科技大学成果转化中心",
    )
    assert deal.status == DealStatus.MEETING
    assert Notification.objects.filter(user=buyer_user, kind="deal.meeting").exists()
    assert list(deal.steps.values_list("action", flat=True)) == ["express", "accept", "meeting"]


def test_interest_only_in_published_achievements_and_not_in_ones_own(
    buyer_user, author, university, published, make_user, make_organisation
):
    with pytest.raises(PermissionDenied):  # a university does not buy through the marketplace
        services.deal_express(actor=author, buyer=university, achievement=published, message="x")
    # An enterprise may publish achievements too, but not express interest in its own.
    own = make_user(Role.ENTERPRISE, organisation=buyer_user.memberships.get().organisation)
    published.publisher = own.memberships.get().organisation
    with pytest.raises(InvalidInput):
        services.deal_express(actor=own, buyer=published.publisher, achievement=published, message="x")
    published.refresh_from_db()
    services.listing_transition(actor=author, listing=published, action="withdraw")
    published.refresh_from_db()
    with pytest.raises(Conflict):
        services.deal_express(
            actor=buyer_user, buyer=buyer_user.memberships.get().organisation, achievement=published, message="x"
        )
    assert not Deal.objects.exists()


# Subscriptions and the push --------------------------------------------------------------------------


def test_subscriptions_must_want_something_and_belong_to_their_user(make_user, buyer_user):
    with pytest.raises(InvalidInput):
        services.subscription_save(actor=buyer_user, data=SubscriptionInput(name="全部"))
    subscription = services.subscription_save(
        actor=buyer_user, data=SubscriptionInput(name="秸秆", keywords=["秸秆"], units=["130100"])
    )
    with pytest.raises(InvalidInput):
        services.subscription_save(actor=buyer_user, data=SubscriptionInput(name="x", units=["130108"]))  # not a unit
    other = make_user(Role.ENTERPRISE)
    with pytest.raises(NotFound):
        services.subscription_save(
            actor=other, data=SubscriptionInput(name="改", keywords=["a"]), subscription=subscription
        )
    with pytest.raises(NotFound):
        services.subscription_delete(actor=other, subscription=subscription)
    assert Subscription.objects.get().name == "秸秆"


def test_subscriptions_matching_a_new_achievement(buyer_user, make_user, published):
    wanted = services.subscription_save(
        actor=buyer_user, data=SubscriptionInput(name="秸秆", keywords=["秸秆"], push_fields=["resource_recycling"])
    )
    other = make_user(Role.ENTERPRISE)
    services.subscription_save(actor=other, data=SubscriptionInput(name="机器人", keywords=["机器人"]))
    services.subscription_save(actor=other, data=SubscriptionInput(name="唐山", keywords=["秸秆"], units=["130200"]))
    services.subscription_save(
        actor=other, data=SubscriptionInput(name="需求", keywords=["秸秆"], listing_kind="needs")
    )
    assert services.subscriptions_matching(published) == [wanted]


# The loop a registered contract closes -----------------------------------------------------------------


def test_listing_for_contract_check(buyer_user, enterprise, university, published, make_organisation):
    services.listing_for_contract_check(seller=university, buyer=enterprise, achievement=published, need=None)
    with pytest.raises(InvalidInput) as caught:
        services.listing_for_contract_check(
            seller=make_organisation(kind=OrganisationKind.UNIVERSITY), buyer=None, achievement=published, need=None
        )
    assert caught.value.field == "achievement"
