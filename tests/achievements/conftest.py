import pytest
from django.utils import timezone

from apps.accounts.models import OrganisationKind
from apps.achievements import search
from apps.achievements.models import Achievement, AchievementStatus, Need, NeedStatus
from apps.core.models import Region


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_published_achievement(make_organisation):
    """A published achievement written straight to the table (for search, matching and packages tests).

    The workflow itself is tested through the services in test_services.py.
    """
    publishers = {}

    def make(title, *, summary="", region="130104", tech_field="07", publisher=None, **fields):
        if publisher is None:
            publisher = publishers.get(region) or make_organisation(kind=OrganisationKind.UNIVERSITY, region=region)
            publishers[region] = publisher
        values = {
            "lead_unit": publisher.name,
            "advantage": "",
            "commercial_route": "",
            "maturity": "mature",
            "negotiable": True,
            "status": AchievementStatus.PUBLISHED,
            "published_at": timezone.now(),
        }
        values.update(fields)
        achievement = Achievement.objects.create(
            publisher=publisher,
            title=title,
            summary=summary or title,
            region=Region.objects.get(code=region),
            tech_field=tech_field,
            **values,
        )
        search.listing_reindex(achievement)
        achievement.refresh_from_db()
        return achievement

    return make


@pytest.fixture
def make_published_need(make_organisation):
    publishers = {}

    def make(title, *, problem="", region="130108", tech_field="07", publisher=None, **fields):
        if publisher is None:
            publisher = publishers.get(region) or make_organisation(kind=OrganisationKind.ENTERPRISE, region=region)
            publishers[region] = publisher
        values = {"status": NeedStatus.PUBLISHED, "published_at": timezone.now()}
        values.update(fields)
        need = Need.objects.create(
            publisher=publisher,
            title=title,
            problem=problem or title,
            region=Region.objects.get(code=region),
            tech_field=tech_field,
            **values,
        )
        search.listing_reindex(need)
        need.refresh_from_db()
        return need

    return make
