"""The data generator's listings: the contract generator's publishers, searchable like entered ones, with history."""

import pytest
from django.db.models import Count
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.achievements import generate as gen
from apps.achievements import search
from apps.achievements.models import Achievement, AchievementEvent, Need, NeedEvent
from apps.contracts.generate import generate_contracts
from apps.core.validators import validate_patent_number
from tests.history import copied_and_triggered

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    generate_contracts(300, year_from=2023, year_to=2024, seed=7, sellers=60, history=False)
    return gen.generate_listings(400, 80, seed=7, year_from=2023, year_to=2024, batch_size=150)


def test_writes_the_listings_and_their_events(generated):
    assert (generated.achievements, generated.needs, generated.events) == (400, 80, 480)
    assert Achievement.objects.count() == AchievementEvent.objects.count() == 400
    assert Need.objects.count() == NeedEvent.objects.count() == 80
    assert set(AchievementEvent.objects.values_list("pgh_obj_id", flat=True)) == set(
        Achievement.objects.values_list("pk", flat=True)
    )
    statuses = dict(Achievement.objects.values_list("status").annotate(n=Count("id")))
    assert 0.75 * 400 < statuses["published"] < 0.95 * 400
    assert not Achievement.objects.filter(status="published", published_at__isnull=True).exists()
    assert not Achievement.objects.filter(status="draft", submitted_at__isnull=False).exists()


def test_publishers_are_the_contract_generators_organisations(generated):
    sellers = set(Organisation.objects.filter(contracts_sold__isnull=False).values_list("pk", flat=True))
    publishers = set(Achievement.objects.values_list("publisher", flat=True))
    assert publishers <= sellers
    kinds = dict(Achievement.objects.values_list("publisher__kind").annotate(n=Count("id")))
    assert set(kinds) == {"university", "research_institute", "enterprise"}
    assert kinds["university"] + kinds["research_institute"] > 0.4 * 400
    assert set(Need.objects.values_list("publisher__kind", flat=True)) == {"enterprise"}
    # Each listing in its publisher's region, led by its publisher.
    for achievement in Achievement.objects.select_related("publisher")[:50]:
        assert achievement.region_id == achievement.publisher.region_id
        assert achievement.lead_unit == achievement.publisher.name


def test_fields_keep_the_rules_of_the_forms(generated):
    assert not Achievement.objects.filter(price__isnull=True, negotiable=False).exists()
    for numbers in Achievement.objects.exclude(ip_numbers=[]).values_list("ip_numbers", flat=True):
        for number in numbers:
            validate_patent_number(number)
    patents = Achievement.objects.filter(ip_type__in=["invention", "utility_model"])
    assert patents.exists() and not patents.filter(ip_status="granted", ip_numbers=[]).exists()
    today = timezone.localdate()
    assert not Need.objects.filter(status="expired", deadline__gte=today).exists()
    assert not Need.objects.filter(status="published", deadline__lt=today).exists()
    fields = set(Achievement.objects.values_list("tech_field", flat=True))
    assert {"01", "03", "07"} <= fields


def test_search_vectors_are_those_the_portal_writes(generated):
    for model in (Achievement, Need):
        for listing in model.objects.all():
            before = listing.search_vector
            search.listing_reindex(listing)
            listing.refresh_from_db(fields=["search_vector"])
            assert listing.search_vector == before, listing.title


def test_generated_achievements_are_found_by_the_portals_search(generated):
    published = Achievement.objects.filter(status="published")
    target = published.order_by("pk").first()
    found = search.listing_search(published, target.title)
    assert target in found[:20]
    subject = target.keywords[0]
    hits = search.listing_search(published, subject)
    assert hits.exists() and all(subject in a.title or subject in a.summary for a in hits[:20])


@pytest.mark.parametrize("model", [Achievement, Need])
def test_copied_events_equal_what_the_trigger_writes(generated, model):
    for status in ("published", "draft"):
        listing = model.objects.filter(status=status).order_by("pk").first()
        copied, triggered = copied_and_triggered(model, listing.pk)
        assert copied == triggered
        assert copied["context"] == {"action": "data.generate", "seed": 7}


def test_needs_publishers_are_required():
    with pytest.raises(ValueError):
        gen.generate_listings(0, 5, seed=1, year_from=2024, year_to=2024)


def test_segmenting_runs_once_each_gives_the_words_of_the_whole_text():
    vectors = gen.SearchVectors()
    for text in [
        "基于深度学习的工业互联网平台研发技术 工业互联网平台 深度学习",
        "针对秸秆利用率低的问题，采用高温好氧堆肥，实现秸秆综合利用。成本降低30%，PLC控制。",
        "ＰＬＣ控制系统5G通信模组（3D打印）",
    ]:
        assert vectors.words(text) == search.segment(text)
