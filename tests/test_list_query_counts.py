"""Every list endpoint of the API runs the same number of queries whatever the number of rows it lists.

Each case builds a few rows its caller may see, lists them, builds many more and lists them again: the
two requests must run exactly as many queries, so a query per row (an N+1) fails the case. The rows
are built through the apps' services, or as the apps' own tests build them, so they are valid.
``test_every_list_endpoint_has_a_case`` finds the list endpoints in the URLconf and in the OpenAPI
schema: a new list endpoint without a case here fails it.
"""

import inspect
import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import Membership, OrganisationKind, Role
from apps.achievements import packages, search
from apps.achievements import services as listing_services
from apps.achievements.models import Achievement, AchievementStatus, Match, Need, NeedStatus
from apps.achievements.packages import PackageInput
from apps.achievements.services import SubscriptionInput
from apps.contracts import services as contract_services
from apps.contracts.models import RegistrationOffice
from apps.core.models import Code, CodeList, Country, Region
from apps.core.notifications import notify
from apps.core.selectors import assessment_units
from apps.core.validators import patent_check_digit
from apps.institutions import services as institution_services
from apps.kpi import reports
from apps.kpi import services as kpi_services
from apps.kpi.models import Indicator, IndicatorSource
from apps.subsidies import services as subsidy_services
from apps.subsidies.models import ProgrammeKind
from apps.subsidies.services import ApplicationInput, ProgrammeInput, RuleInput
from tests.achievements.test_catalogue import entry_input
from tests.contracts.conftest import contract_input, pdf_upload
from tests.institutions.conftest import institution_input
from tests.institutions.test_brokers import broker_input
from tests.subsidies.conftest import policy_input

# A few rows, then many: 20 is the most subscriptions a user may hold (achievements.services.MAX_SUBSCRIPTIONS),
# and far more than enough for a query per row to show.
FEW, MANY = 3, 20

# List endpoints no case covers, each with the reason. None so far: every list endpoint can be listed.
EXCLUDED: dict[str, str] = {}

# Hebei districts of the unit 石家庄 (130100), to spread rows over regions.
DISTRICTS = ["130108", "130104", "130102", "130105"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The cases create many users and never test hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Builders ----------------------------------------------------------------------------------------------


class World:
    """Builders of valid rows, through the apps' services as the apps' own tests build them."""

    def __init__(self, make_user, make_organisation):
        self.make_user = make_user
        self.make_organisation = make_organisation
        self.serial = itertools.count(1)
        self._offices = {}

    def next(self) -> int:
        return next(self.serial)

    @cached_property
    def province(self):
        return self.make_user(Role.PROVINCE_ADMIN)

    @cached_property
    def city(self):
        """The bureau of 石家庄 (unit 130100): the first reviewer of its subsidy applicants."""
        return self.make_user(Role.CITY_OFFICIAL, region="130100")

    def caller(self, role):
        if role is None:
            return None
        return self.province if role == Role.PROVINCE_ADMIN else self.make_user(role)

    def member(self, organisation, role):
        return self.make_user(role, organisation=organisation)

    def region(self, index: int) -> str:
        return DISTRICTS[index % len(DISTRICTS)]

    # Contracts -----------------------------------------------------------------------------------------

    def office(self, unit: str):
        """The registration office covering ``unit``, with a registrar and a large-amount approver."""
        if unit not in self._offices:
            organisation = self.make_organisation(kind=OrganisationKind.REGISTRATION_OFFICE, region=unit)
            office = RegistrationOffice.objects.create(
                organisation=organisation, code=f"{unit[2:4]}{len(self._offices) + 10:02d}", covers_region_id=unit
            )
            registrar = self.make_user()
            Membership.objects.create(user=registrar, organisation=organisation, role=Role.REGISTRAR)
            self._offices[unit] = (office, registrar, self.make_user(Role.APPROVER, region="130000"))
        return self._offices[unit]

    def seller(self, region="130108", kind=OrganisationKind.ENTERPRISE, role=Role.ENTERPRISE):
        organisation = self.make_organisation(kind=kind, region=region)
        return organisation, self.member(organisation, role)

    def contract(self, seller_org, seller_user, *, status="registered", **overrides):
        """A contract of ``seller_org`` driven through the contract services to ``status``."""
        _office, registrar, approver = self.office(seller_org.region.unit_id)
        overrides.setdefault("name", f"一种高效节能换热器专利转让{self.next()}")
        contract = contract_services.contract_create(
            actor=seller_user, seller=seller_org, data=contract_input(**overrides), attachment=pdf_upload()
        )
        contract = contract_services.contract_submit(actor=seller_user, contract=contract)
        if status == "submitted":
            return contract
        contract = contract_services.contract_accept(actor=registrar, contract=contract)
        contract = contract_services.contract_register(actor=registrar, contract=contract)
        if contract.status == "second_review":
            contract = contract_services.contract_approve_second_review(actor=approver, contract=contract)
        assert contract.status == "registered"
        return contract

    def confirmed_income(self, contract, seller_user, *, year: int, amount="10000.00"):
        income = contract_services.income_file(actor=seller_user, contract=contract, year=year, amount=Decimal(amount))
        _office, registrar, _approver = self.office(contract.seller_region.unit_id)
        return contract_services.income_decide(actor=registrar, income=income, confirm=True)

    # The marketplace -----------------------------------------------------------------------------------

    def achievement(self, *, region="130104", publisher=None, **fields):
        """A published achievement written straight to the table, as tests/achievements/conftest.py writes it."""
        publisher = publisher or self.make_organisation(kind=OrganisationKind.UNIVERSITY, region=region)
        values = {
            "lead_unit": publisher.name,
            "advantage": "",
            "commercial_route": "",
            "maturity": "mature",
            "negotiable": True,
            "status": AchievementStatus.PUBLISHED,
            "published_at": timezone.now(),
            **fields,
        }
        title = f"秸秆综合利用制备生物有机肥技术{self.next()}"
        achievement = Achievement.objects.create(
            publisher=publisher,
            title=title,
            summary=title,
            region=Region.objects.get(code=region),
            tech_field="07",
            **values,
        )
        search.listing_reindex(achievement)
        return achievement

    def need(self, *, region="130108", publisher=None, **fields):
        """A published need written straight to the table, as tests/achievements/conftest.py writes it."""
        publisher = publisher or self.make_organisation(kind=OrganisationKind.ENTERPRISE, region=region)
        values = {"status": NeedStatus.PUBLISHED, "published_at": timezone.now(), **fields}
        title = f"秸秆综合利用{self.next()}"
        need = Need.objects.create(
            publisher=publisher,
            title=title,
            problem=title,
            region=Region.objects.get(code=region),
            tech_field="07",
            **values,
        )
        search.listing_reindex(need)
        return need

    def package(self, bureau_user, *, publish=True):
        """A package of ``bureau_user``'s bureau (a city's, to publish): a draft, or published with an
        achievement of the bureau's area."""
        bureau = bureau_user.memberships.get().organisation
        number = self.next()
        package = packages.package_create(
            actor=bureau_user,
            publisher=bureau,
            data=PackageInput(kind="technology", title=f"技术包{number}", period="2026", batch=number),
        )
        if not publish:
            return package
        achievement = self.achievement(region=bureau.region_id)
        packages.package_items_set(actor=bureau_user, package=package, achievement_ids=[achievement.pk])
        return packages.package_publish(actor=bureau_user, package=package)

    def edition(self):
        """A published catalogue edition of its own year, with one entry."""
        number = self.next()
        edition = packages.catalogue_edition_create(actor=self.province, year=2000 + number, title=f"目录{number}")
        packages.catalogue_entry_add(actor=self.province, edition=edition, data=entry_input(name=f"技术{number}"))
        return packages.catalogue_edition_publish(
            actor=self.province, edition=edition, document_number=f"冀科成〔{2000 + number}〕3号"
        )

    # Subsidies -----------------------------------------------------------------------------------------

    def programme(self, *, kind=ProgrammeKind.TRANSACTION_BUYER, rate="0.03", per_item_cap=None):
        """A programme saved, given its rule and allocations, and published, as tests/subsidies/conftest.py does."""
        today = timezone.localdate()
        number = self.next()
        programme = subsidy_services.programme_save(
            actor=self.province,
            data=ProgrammeInput(
                code=f"P{today.year}-{number:03d}",
                name=f"技术交易补助 {number}",
                kind=kind,
                window_opens=today - timedelta(days=10),
                window_closes=today + timedelta(days=30),
                period_from=today - timedelta(days=365),
                period_until=today + timedelta(days=30),
                budget=Decimal("1000000"),
                applicant_kinds=[OrganisationKind.ENTERPRISE, OrganisationKind.UNIVERSITY],
                document_number="冀科成〔2025〕1号",
                notice_working_days=5,
            ),
        )
        subsidy_services.programme_rule_add(
            actor=self.province,
            programme=programme,
            data=RuleInput(
                effective_from=programme.period_from,
                rate=Decimal(rate),
                per_item_cap=None if per_item_cap is None else Decimal(per_item_cap),
                per_applicant_cap=None,
                min_value=Decimal("0"),
            ),
        )
        subsidy_services.allocations_set(
            actor=self.province,
            programme=programme,
            amounts={"130100": Decimal("300000"), "130200": Decimal("200000")},
        )
        return subsidy_services.programme_publish(actor=self.province, programme=programme)

    def insurance_application(self, programme, *, steps=("submit",)):
        """A patent insurance application of a new enterprise of 石家庄, driven through ``steps``."""
        organisation, user = self.seller(region=self.region(self.next()))
        number = self.next()
        digits = f"20251{number:07d}"
        patent = f"{digits}.{patent_check_digit(digits)}"
        data = ApplicationInput(policies=[policy_input(patent_number=patent, policy_number=f"PICC-2025-{number:04d}")])
        data.contact_name, data.contact_phone = "张联系", "0311-88886666"
        data.bank_account_name, data.bank_account = organisation.name, "6222020402012345678"
        application = subsidy_services.application_create(
            actor=user, applicant=organisation, programme=programme, data=data
        )
        for step in steps:
            if step == "approve":
                application = subsidy_services.application_approve(actor=self.province, application=application)
            else:
                actor = user if step == "submit" else self.city
                application = subsidy_services.application_transition(
                    actor=actor, application=application, action=step, note="意见"
                )
        return application


@pytest.fixture
def world(make_user, make_organisation):
    return World(make_user, make_organisation)


# Cases -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """What a case gives the test: how to add ``n`` more rows the caller sees, and the request's arguments."""

    add: Callable[[int], object]
    kwargs: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    url_name: str
    role: Role | None  # None: an anonymous caller
    build: Callable[[World, object], Listing]
    n_plus_one: str = ""  # what repeats per row, if it does: the case is then an expected (strict) failure

    @property
    def id(self) -> str:
        return f"{self.url_name.removeprefix('api:')}-{self.role or 'anonymous'}"


CASES: list[Case] = []


def case(url_name: str, *roles, n_plus_one: str = ""):
    """Register ``build`` as the case of ``url_name``, once for each caller role (None: anonymous)."""

    def register(build):
        CASES.extend(Case(url_name, role, build, n_plus_one) for role in roles)
        return build

    return register


def _times(n: int, make: Callable[[], object]) -> None:
    for _ in range(n):
        make()


# Reference data: rows added to the loaded lists (the test's transaction drops them again).


@case("api:region-list", None)
def _regions(world, caller):
    # Unofficial divisions of 石家庄, under codes the loaded list leaves unused.
    parent = Region.objects.get(code="130100")

    def add_region():
        number = world.next()
        Region.objects.create(
            code=f"1301{50 + number:02d}",
            name=f"测试功能区{number}",
            level=Region.Level.COUNTY,
            parent=parent,
            unit=parent,
            is_official=False,
        )

    return Listing(add=lambda n: _times(n, add_region))


@case("api:country-list", None)
def _countries(world, caller):
    # ISO 3166-1 leaves the codes XA-XZ to users; none is in the loaded list (XK, often Kosovo's, is skipped).
    letters = iter("ABCDEFGHIJLMNOPQRSTUVWYZ")

    def add_country():
        letter = next(letters)
        Country.objects.create(
            code=f"X{letter}", alpha3=f"X{letter}X", numeric="999", name=f"测试国家{letter}", name_en=f"Test {letter}"
        )

    return Listing(add=lambda n: _times(n, add_country))


@case("api:code-list", None)
def _codes(world, caller):
    parent = Code.objects.filter(list=CodeList.TECH_FIELD, parent__isnull=True).first()

    def add_code():
        number = world.next()
        Code.objects.create(
            list=CodeList.TECH_FIELD, code=f"99{number:02d}", parent=parent, name=f"测试领域{number}", sort=900
        )

    return Listing(add=lambda n: _times(n, add_code))


# Accounts


@case("api:organisation-list", Role.PROVINCE_ADMIN)
def _organisations(world, caller):
    kinds = itertools.cycle([OrganisationKind.ENTERPRISE, OrganisationKind.UNIVERSITY, OrganisationKind.OTHER])

    def add_organisation():
        world.make_organisation(kind=next(kinds), region=world.region(world.next()))

    return Listing(add=lambda n: _times(n, add_organisation))


# Contracts


@case("api:contract-list", Role.PROVINCE_ADMIN)
def _contracts(world, caller):
    sellers = [world.seller(region=region) for region in DISTRICTS[:2]]
    turn = itertools.cycle(sellers)

    def add_contract():
        world.contract(*next(turn), status="submitted")

    return Listing(add=lambda n: _times(n, add_contract))


@case("api:contract-incomes", Role.PROVINCE_ADMIN)
def _contract_incomes(world, caller):
    # Signed in 2001, so that there is a year to file income for in each year since.
    seller_org, seller_user = world.seller()
    signed = date(2001, 3, 1)
    contract = world.contract(
        seller_org, seller_user, signed_on=signed, valid_from=signed, valid_until=date(2031, 2, 28)
    )
    years = itertools.count(2001)

    def add_income():
        contract_services.income_file(actor=seller_user, contract=contract, year=next(years), amount=Decimal("1000"))

    return Listing(add=lambda n: _times(n, add_income), kwargs={"pk": contract.pk})


@case("api:contract-tax-relief", Role.PROVINCE_ADMIN)
def _tax_relief(world, caller):
    # A row per seller: each new seller has a registered contract and confirmed income this year.
    year = timezone.localdate().year

    def add_seller():
        seller_org, seller_user = world.seller(region=world.region(world.next()))
        contract = world.contract(seller_org, seller_user)
        world.confirmed_income(contract, seller_user, year=year)

    return Listing(add=lambda n: _times(n, add_seller), params={"year": year})


# Institutions and brokers


def _add_institutions(world):
    host = world.make_organisation(kind=OrganisationKind.TRANSFER_INSTITUTION, region="130108")

    def add_institution():
        number = world.next()
        institution_services.institution_enter(
            actor=world.province,
            host=host if number % 2 else None,
            data=institution_input(
                name=f"技术转移中心{number}",
                region=world.region(number),
                recognised_on=date(2024, 3, 1),
                document_number=f"冀科转〔2024〕{number}号",
            ),
        )

    return lambda n: _times(n, add_institution)


@case("api:institution-list", Role.PROVINCE_ADMIN)
def _institutions(world, caller):
    return Listing(add=_add_institutions(world))


@case("api:institution-directory", None)
def _institution_directory(world, caller):
    return Listing(add=_add_institutions(world))


@case("api:broker-list", None)
def _brokers(world, caller):
    affiliation = world.make_organisation(kind=OrganisationKind.TRANSFER_INSTITUTION, region="130108")

    def add_broker():
        number = world.next()
        institution_services.broker_register(
            actor=world.province,
            data=broker_input(
                name=f"经纪人{number}", certificate_number=f"JJR-2025-{number:06d}", region=world.region(number)
            ),
            affiliation=affiliation if number % 2 else None,
        )

    return Listing(add=lambda n: _times(n, add_broker))


# The marketplace


@case("api:achievement-list", None, Role.PROVINCE_ADMIN)
def _achievements(world, caller):
    return Listing(add=lambda n: _times(n, lambda: world.achievement(region=world.region(world.next()))))


@case("api:need-list", None, Role.PROVINCE_ADMIN)
def _needs(world, caller):
    return Listing(add=lambda n: _times(n, lambda: world.need(region=world.region(world.next()))))


@case("api:achievement-matches", Role.PROVINCE_ADMIN)
def _achievement_matches(world, caller):
    achievement = world.achievement()

    def add_match():
        Match.objects.create(need=world.need(), achievement=achievement, score=80, reasons={"terms": ["秸秆"]})

    return Listing(add=lambda n: _times(n, add_match), kwargs={"pk": achievement.pk})


@case("api:need-matches", Role.PROVINCE_ADMIN)
def _need_matches(world, caller):
    need = world.need()

    def add_match():
        Match.objects.create(need=need, achievement=world.achievement(), score=80, reasons={"terms": ["秸秆"]})

    return Listing(add=lambda n: _times(n, add_match), kwargs={"pk": need.pk})


@case("api:deal-list", Role.PROVINCE_ADMIN)
def _deals(world, caller):
    buyer, buyer_user = world.seller()

    def add_deal():
        listing_services.deal_express(
            actor=buyer_user,
            buyer=buyer,
            achievement=world.achievement(region=world.region(world.next())),
            message="希望洽谈",
        )

    return Listing(add=lambda n: _times(n, add_deal))


@case("api:subscription-list", Role.ENTERPRISE)
def _subscriptions(world, caller):
    def add_subscription():
        number = world.next()
        listing_services.subscription_save(
            actor=caller, data=SubscriptionInput(name=f"订阅{number}", keywords=[f"秸秆{number}"], tech_fields=["07"])
        )

    return Listing(add=lambda n: _times(n, add_subscription))


@case("api:notification-list", Role.ENTERPRISE)
def _notifications(world, caller):
    return Listing(add=lambda n: _times(n, lambda: notify(users=[caller], kind="match", title=f"新匹配{world.next()}")))


@case("api:package-list", None)
def _packages(world, caller):
    bureaus = itertools.cycle([world.city, world.make_user(Role.CITY_OFFICIAL, region="130200")])
    return Listing(add=lambda n: _times(n, lambda: world.package(next(bureaus))))


@case("api:package-managed", Role.PROVINCE_ADMIN)
def _packages_managed(world, caller):
    bureaus = itertools.cycle([world.city, world.province])
    return Listing(add=lambda n: _times(n, lambda: world.package(next(bureaus), publish=False)))


@case("api:catalogue-edition-list", None, Role.PROVINCE_ADMIN)
def _catalogue_editions(world, caller):
    return Listing(add=lambda n: _times(n, world.edition))


# Subsidies


@case("api:subsidy-programme-list", None, Role.PROVINCE_ADMIN)
def _programmes(world, caller):
    return Listing(add=lambda n: _times(n, world.programme))


@case("api:subsidy-application-list", Role.PROVINCE_ADMIN)
def _applications(world, caller):
    programme = world.programme(kind=ProgrammeKind.PATENT_INSURANCE, rate="1", per_item_cap="50000")
    return Listing(add=lambda n: _times(n, lambda: world.insurance_application(programme)))


@case("api:subsidy-notice", None)
def _notice(world, caller):
    programme = world.programme(kind=ProgrammeKind.PATENT_INSURANCE, rate="1", per_item_cap="50000")
    steps = ("submit", "recommend", "approve")
    return Listing(add=lambda n: _times(n, lambda: world.insurance_application(programme, steps=steps)))


@case("api:subsidy-application-eligible-contracts", Role.ENTERPRISE)
def _eligible_contracts(world, caller):
    # The caller's enterprise buys registered contracts of a university: a buyers' programme subsidises it.
    programme = world.programme()
    buyer = caller.memberships.get().organisation
    seller = world.seller(region="130104", kind=OrganisationKind.UNIVERSITY, role=Role.UNIVERSITY)

    def add_contract():
        world.contract(*seller, buyer=buyer, deductions=[], contract_value=Decimal("1000000.00"))

    return Listing(add=lambda n: _times(n, add_contract), params={"programme": programme.pk})


# Indicators


@case("api:kpi-indicator-list", Role.PROVINCE_ADMIN)
def _indicators(world, caller):
    # The loaded catalogue: the list shows the active indicators, so the case activates them a few at a time.
    codes = iter(Indicator.objects.order_by("sort", "code").values_list("code", flat=True))
    Indicator.objects.update(is_active=False)

    def add(n):
        Indicator.objects.filter(code__in=list(itertools.islice(codes, n))).update(is_active=True)

    return Listing(add=add)


@case("api:kpi-target-set-list", Role.PROVINCE_ADMIN)
def _target_sets(world, caller):
    indicator = Indicator.objects.get(code="H1")
    years = itertools.count(2001)

    def add_target_set():
        target_set = kpi_services.target_set_draft(
            actor=world.province, indicator=indicator, year=next(years), province_value="300"
        )
        kpi_services.target_set_units(
            actor=world.province, target_set=target_set, values={"130100": "100", "130200": "200"}
        )

    return Listing(add=lambda n: _times(n, add_target_set))


@case("api:kpi-reported-value-list", Role.PROVINCE_ADMIN)
def _reported_values(world, caller):
    indicator = Indicator.objects.filter(source=IndicatorSource.REPORTED, is_active=True).order_by("code").first()
    units = itertools.cycle([None, *assessment_units()[:3]])
    years = itertools.count(2001)

    def add_value():
        kpi_services.reported_value_submit(
            actor=world.province,
            indicator=indicator,
            year=next(years),
            unit=next(units),
            value="12",
            evidence="冀统〔2025〕1号",
        )

    return Listing(add=lambda n: _times(n, add_value))


@case("api:kpi-report-list", Role.PROVINCE_ADMIN)
def _reports(world, caller):
    units = itertools.cycle([None, *assessment_units()[:3]])
    months = (date(year, month, 1) for year in itertools.count(2020) for month in range(1, 13))

    def add_report():
        reports.report_issue(kind="monthly", period_start=next(months), unit=next(units))

    return Listing(add=lambda n: _times(n, add_report))


# The test ----------------------------------------------------------------------------------------------


def _rows(body) -> list:
    return body["results"] if isinstance(body, dict) else body


def _list(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return _rows(response.json()), queries


def _grown(few, many) -> str:
    """The statements the second request ran more often than the first, with how many more times."""

    def shapes(queries):
        return Counter(re.sub(r"'[^']*'|\b\d+\b", "?", query["sql"]) for query in queries.captured_queries)

    before, after = shapes(few), shapes(many)
    grown = (sql for sql in after if after[sql] > before[sql])
    return "\n".join(
        f"+{after[sql] - before[sql]}: {re.sub(r'^SELECT .*? FROM', 'SELECT ... FROM', sql)}" for sql in grown
    )


def _param(case_: Case):
    marks = [pytest.mark.xfail(strict=True, reason=f"N+1: {case_.n_plus_one}")] if case_.n_plus_one else []
    return pytest.param(case_, id=case_.id, marks=marks)


@pytest.mark.parametrize("case_", [_param(c) for c in CASES])
def test_list_queries_do_not_grow_with_the_rows(case_, db, world, api_for):
    caller = world.caller(case_.role)
    listing = case_.build(world, caller)
    client = api_for(caller) if caller is not None else APIClient()
    url = reverse(case_.url_name, kwargs=listing.kwargs)

    listing.add(FEW)
    _list(client, url, listing.params)  # once first, so that what a first request caches is not counted
    few_rows, few = _list(client, url, listing.params)
    listing.add(MANY - FEW)
    many_rows, many = _list(client, url, listing.params)

    assert len(many_rows) - len(few_rows) == MANY - FEW  # the caller sees every row added
    assert len(many) == len(few), (
        f"{len(few)} queries for {len(few_rows)} rows, {len(many)} for {len(many_rows)}:\n" + _grown(few, many)
    )


# Every list endpoint has a case ----------------------------------------------------------------------------


def _api_routes():
    """(namespaced URL name, view) of every route under /api/v1/."""

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, ":".join(filter(None, [namespace, pattern.namespace])))
            elif namespace == "api" and pattern.name:
                yield f"api:{pattern.name}", pattern.callback

    return walk(get_resolver().url_patterns, "")


def _lists_in_urlconf() -> set[str]:
    """Router ``list`` actions, and every GET handler that paginates."""
    found = set()
    for name, view in _api_routes():
        cls, actions = getattr(view, "cls", None), getattr(view, "actions", None)
        if cls is None:
            continue
        action = actions.get("get") if actions is not None else "get"
        handler = getattr(cls, action, None) if action else None
        if handler is None:
            continue
        if action == "list" or "paginate_queryset" in inspect.unwrap(handler).__code__.co_names:
            found.add(name)
    return found


def _lists_in_schema() -> set[str]:
    """Every GET whose documented 200 answer is an array or a page of results."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found = set()
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        content = operations["get"]["responses"].get("200", {}).get("content", {})
        body = content.get("application/json", {}).get("schema", {})
        component = components.get(body.get("$ref", "").rsplit("/", 1)[-1], {})
        if body.get("type") == "array" or "results" in component.get("properties", {}):
            match = resolve(re.sub(r"\{[^}]+\}", "1", path))
            found.add(f"{match.namespace}:{match.url_name}")
    return found


def test_every_list_endpoint_has_a_case():
    lists = _lists_in_urlconf() | _lists_in_schema()
    covered = {c.url_name for c in CASES}
    assert not lists - covered - EXCLUDED.keys(), "list endpoints without a query-count case"
    assert not covered - lists, "cases of endpoints that are not lists"
    assert EXCLUDED.keys() <= lists, "exclusions of endpoints that are gone"
    assert not covered & EXCLUDED.keys(), "endpoints both covered and excluded"
