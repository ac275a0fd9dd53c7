"""Fixtures shared by the whole suite: reference data, organisations and users in every role."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.demo import demo_credit_code
from apps.accounts.models import Membership, Organisation, OrganisationKind, OrganisationStatus, Role, User
from apps.core.models import Region
from apps.core.services import reference_data_load

PASSWORD = "Correct-Horse-42"


DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the portal's default language (Simplified Chinese).

    The language is per thread and a request in English (the test client through the locale
    middleware, ``translation.activate``) leaves it active for whatever test runs next.
    """
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def reference_data(request):
    """Regions, countries and code lists in the test database, for every test that uses it.

    Loaded once and kept (committed) across tests; a transactional test's flush empties the
    tables, and the next test loads them again.
    """
    if not (DATABASE_FIXTURES & set(request.fixturenames) or request.node.get_closest_marker("django_db")):
        return
    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock():
        if not Region.objects.exists():
            reference_data_load()


@pytest.fixture(autouse=True)
def kpi_summaries_fresh(request):
    """Every database test starts a new generation of the cached KPI summaries (``apps.kpi.summaries``).

    The cache is the real Redis, shared by the whole run; without this a summary cached by one test's
    data could answer another test whose facts checkpoint and day are the same.
    """
    if not (DATABASE_FIXTURES & set(request.fixturenames) or request.node.get_closest_marker("django_db")):
        return
    import uuid

    from django.core.cache import cache

    from apps.kpi.summaries import GENERATION_KEY

    cache.set(GENERATION_KEY, uuid.uuid4().int % 2**62, timeout=None)


ROLE_DEFAULTS = {
    Role.PROVINCE_ADMIN: (OrganisationKind.ST_BUREAU, "130000"),
    Role.CITY_OFFICIAL: (OrganisationKind.ST_BUREAU, "130100"),
    Role.COUNTY_OFFICIAL: (OrganisationKind.ST_BUREAU, "130123"),
    Role.REGISTRAR: (OrganisationKind.REGISTRATION_OFFICE, "130100"),
    Role.APPROVER: (OrganisationKind.REGISTRATION_OFFICE, "130100"),
    Role.ENTERPRISE: (OrganisationKind.ENTERPRISE, "130108"),
    Role.UNIVERSITY: (OrganisationKind.UNIVERSITY, "130104"),
    Role.INSTITUTION: (OrganisationKind.TRANSFER_INSTITUTION, "130102"),
    Role.BROKER: (OrganisationKind.TRANSFER_INSTITUTION, "130102"),
}


@pytest.fixture
def make_organisation(db):
    counter = iter(range(1, 10_000))

    def make(*, kind=OrganisationKind.ENTERPRISE, region="130108", status=OrganisationStatus.ACTIVE, name=None):
        number = next(counter)
        name = name or f"测试单位{number}-{region}-{kind}"
        return Organisation.objects.create(
            name=name,
            credit_code=demo_credit_code(kind, region, name),
            kind=kind,
            region=Region.objects.get(code=region),
            status=status,
        )

    return make


@pytest.fixture
def make_user(db, make_organisation):
    """A user holding ``role`` in a new organisation (or in ``organisation``) of the role's default region."""
    counter = iter(range(1, 10_000))

    def make(role=None, *, region=None, organisation=None, org_status=OrganisationStatus.ACTIVE, username=None):
        number = next(counter)
        user = User.objects.create_user(
            username=username or f"user{number}_{role or 'none'}", password=PASSWORD, email=f"u{number}@example.cn"
        )
        if role is not None:
            kind, default_region = ROLE_DEFAULTS[Role(role)]
            organisation = organisation or make_organisation(
                kind=kind, region=region or default_region, status=org_status
            )
            Membership.objects.create(user=user, organisation=organisation, role=role)
        return user

    return make


@pytest.fixture
def client_for():
    """A logged-in Django test client for ``user``."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_for():
    """A DRF client authenticated with ``user``'s token."""
    from rest_framework.authtoken.models import Token

    def make(user):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make
