"""The data generator (``manage.py generate_data``): valid, realistic contracts that the statistics read correctly."""

import random
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.db.models import Count, F, Q, Sum

from apps.contracts import generate as gen
from apps.contracts import statistics
from apps.contracts.models import Contract, RegistrationSerial

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    return gen.generate_contracts(1500, year_from=2022, year_to=2024, seed=7, batch_size=400, sellers=40)


def test_writes_exactly_n_rows_with_the_described_mix(generated):
    assert generated.rows == Contract.objects.count() == 1500
    statuses = dict(Contract.objects.values_list("status").annotate(n=Count("id")))
    assert statuses == dict(generated.by_status)
    assert statuses["registered"] > 0.85 * 1500
    assert {"changed", "cancelled", "refused"} <= set(statuses)
    external = Contract.objects.filter(is_external=True)
    assert external.count() == generated.external
    assert 0.03 * 1500 < generated.external < 0.1 * 1500
    # External records: no seller account, a seller outside Hebei, a buyer in Hebei, registered.
    assert not external.filter(
        Q(seller__isnull=False) | Q(seller_region__unit__isnull=False) | Q(buyer_region__unit__isnull=True)
    ).exists()
    assert set(external.values_list("status", flat=True)) == {"registered"}


def test_rows_keep_the_rules_of_the_model(generated):
    assert not Contract.objects.filter(technology_value__gt=F("contract_value")).exists()
    assert not Contract.objects.filter(confirmed_technology_value__gt=F("contract_value")).exists()
    assert not Contract.objects.filter(valid_until__lt=F("valid_from")).exists()
    registered = Contract.objects.filter(is_external=False, status__in=["registered", "cancelled", "revoked"])
    assert not registered.filter(Q(registration_number="") | Q(registered_on__isnull=True)).exists()
    for number, registered_on in registered.values_list("registration_number", "registered_on"):
        assert len(number) == 16 and number[:6] == f"{registered_on.year}13"
    assert registered.filter(registered_on__year__range=(2022, 2024)).count() == registered.count()
    # Every changed contract has its registered new version, with the same number.
    for old in Contract.objects.filter(status="changed"):
        new = Contract.objects.get(previous=old)
        assert (new.status, new.version, new.registration_number) == ("registered", 2, old.registration_number)
    assert not Contract.objects.filter(status__in=["draft", "submitted"], registered_on__isnull=False).exists()


def test_serials_continue_so_a_second_run_adds_without_clashes(generated):
    last = {(s.office_id, s.year): s.last for s in RegistrationSerial.objects.all()}
    assert (
        sum(last.values())
        == Contract.objects.filter(is_external=False).exclude(registration_number="").filter(version=1).count()
    )
    again = gen.generate_contracts(300, year_from=2022, year_to=2024, seed=7, batch_size=100, sellers=40)
    assert Contract.objects.count() == 1500 + again.rows
    # The same seed reuses the same seller organisations instead of creating duplicates.
    assert Contract.objects.filter(is_external=False).values("seller").distinct().count() <= 40


def test_units_buyers_and_values_are_spread_realistically(generated):
    counted = statistics.counted_contracts()
    by_unit = dict(
        counted.filter(seller_region__unit__isnull=False).values_list("seller_region__unit").annotate(n=Count("id"))
    )
    assert by_unit["130100"] == max(by_unit.values())  # 石家庄 sells most
    assert by_unit["130100"] > 3 * by_unit.get("130181", 0)  # 辛集 is small
    internal = counted.filter(is_external=False)
    places = internal.aggregate(
        hebei=Count("id", filter=Q(buyer_region__unit__isnull=False)),
        bj_tj=Count("id", filter=Q(buyer_region__in=["110000", "120000"])),
        foreign=Count("id", filter=~Q(buyer_country="CN")),
        n=Count("id"),
    )
    assert 0.7 < places["hebei"] / places["n"] < 0.86
    assert 0.1 < places["bj_tj"] / places["n"] < 0.22
    assert places["foreign"] < 0.04 * places["n"]
    types = dict(internal.values_list("contract_type").annotate(n=Count("id")))
    assert types["5"] > types["1"] > types["2"] and types["5"] > types["3"]


def test_statistics_over_generated_data_add_up(generated):
    year = {"date_from": date(2022, 1, 1), "date_to": date(2024, 12, 31)}
    units = statistics.contract_totals(measure="output", group_by="unit", **year)
    years = statistics.contract_totals(measure="output", group_by="year", **year)
    expected = (
        statistics.counted_contracts()
        .filter(seller_region__unit__isnull=False)
        .aggregate(n=Count("id"), cv=Sum("contract_value"))
    )
    assert sum(r.count for r in units) == sum(r.count for r in years) == expected["n"]
    assert sum(r.contract_value for r in units) == expected["cv"]
    assert [r.key for r in years] == ["2022", "2023", "2024"]
    flow = statistics.beijing_tianjin_flow(year=2024)
    assert flow["bj_tj_to_hebei"]["count"] > 0


def test_value_draws_average_near_the_published_mean():
    rng = random.Random(3)
    mix = [t for t, share, _f in gen.CONTRACT_TYPES for _ in range(round(share * 100))]
    values = [gen.contract_value_draw(rng, rng.choice(mix)) for _ in range(40_000)]
    mean = sum(values) / len(values)
    median = sorted(values)[len(values) // 2]
    # Heavy-tailed: the sample mean wanders, the median sits well below it.
    assert Decimal("3500000") < mean < Decimal("8000000")
    assert median < mean / 3
    technology = [gen.technology_value_draw(rng, v) for v in values[:5000]]
    assert all(t <= v for t, v in zip(technology, values, strict=False))
    assert 0.2 < sum(t < v for t, v in zip(technology, values, strict=False)) / 5000 < 0.35


def test_same_seed_same_contracts():
    first = gen.generate_contracts(200, year_from=2023, year_to=2024, seed=11, batch_size=100, sellers=20)
    rows = list(Contract.objects.order_by("pk").values_list("name", "contract_value", "registered_on", "buyer_name"))
    Contract.objects.filter(previous__isnull=False).delete()
    Contract.objects.all().delete()
    second = gen.generate_contracts(200, year_from=2023, year_to=2024, seed=11, batch_size=100, sellers=20)
    again = list(Contract.objects.order_by("pk").values_list("name", "contract_value", "registered_on", "buyer_name"))
    assert first.rows == second.rows == 200
    assert rows == again


def test_the_command_writes_the_contracts_and_rebuilds_the_facts(settings):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from apps.contracts.models import ContractEvent
    from apps.kpi.aggregates import contract_facts_state, fact_totals

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("generate_data", contracts=10)
    assert not Contract.objects.exists()

    out = StringIO()
    call_command(
        "generate_data", contracts=400, year_from=2023, year_to=2024, seed=3, history=True, force=True, stdout=out
    )
    assert Contract.objects.count() == 400
    assert ContractEvent.objects.count() == 400  # --history: one insert event per row
    assert "400 contract rows" in out.getvalue()
    # The dashboards agree with the contracts at once, and the fill has nothing left to take in.
    for year in (2023, 2024):
        live = statistics.contract_totals(
            measure="output", group_by="year", date_from=date(year, 1, 1), date_to=date(year, 12, 31)
        )
        assert fact_totals(side="output", year=year) == (live[0].figures if live else statistics.Figures())
    assert contract_facts_state().last_event_id == ContractEvent.objects.order_by("-pgh_id").first().pgh_id


# History through the bulk path -------------------------------------------------------------------


def test_each_row_gets_its_insert_event_under_the_generators_context(generated):
    from apps.contracts.models import ContractEvent

    events = ContractEvent.objects.all()
    assert events.count() == generated.events == generated.rows == Contract.objects.count()
    assert set(events.values_list("pgh_obj_id", flat=True)) == set(Contract.objects.values_list("pk", flat=True))
    assert set(events.values_list("pgh_label", flat=True)) == {"insert"}
    assert list(events.values_list("pgh_context__metadata", flat=True).distinct()) == [
        {"action": "data.generate", "seed": 7}
    ]
    # The organisations and offices made on the way were written by the ORM, their trigger on, in the same context.
    from apps.accounts.models import Organisation

    seller = Organisation.objects.get(pk=Contract.objects.filter(seller__isnull=False).first().seller_id)
    assert seller.events.get().pgh_context_id == events.first().pgh_context_id


@pytest.mark.parametrize(
    "which",
    [
        Q(status="registered", is_external=False, version=1),
        Q(version=2),  # a change: previous version set
        Q(status="changed"),
        Q(is_external=True),
        Q(status="draft"),
        Q(status="refused"),
        Q(contract_type="3"),  # licences: licence kind, expected investment and output
        Q(buyer_country="CN") & ~Q(buyer_region__code__startswith="13"),
    ],
)
def test_copied_events_equal_what_the_trigger_writes(generated, which):
    from tests.history import copied_and_triggered

    contract = Contract.objects.filter(which).order_by("pk").first()
    copied, triggered = copied_and_triggered(Contract, contract.pk)
    assert copied == triggered
    assert copied["context"] == {"action": "data.generate", "seed": 7}


def test_without_history_no_events():
    from apps.contracts.models import ContractEvent

    result = gen.generate_contracts(100, year_from=2024, year_to=2024, seed=5, history=False, sellers=10)
    assert result.rows == Contract.objects.count() == 100
    assert result.events == 0 and not ContractEvent.objects.exists()


def test_keys_refer_to_existing_rows(generated):
    """The writer skips the foreign-key checks (session_replication_role): the generator keeps them valid."""
    from django.db.models import Exists, OuterRef

    for field in Contract._meta.concrete_fields:
        if field.is_relation:
            target = field.related_model
            dangling = Contract.objects.filter(**{f"{field.attname}__isnull": False}).exclude(
                Exists(target.objects.filter(pk=OuterRef(field.attname)))
            )
            assert not dangling.exists(), field.name


def test_after_the_command_the_fill_has_nothing_to_do_and_the_facts_equal_the_live_figures(settings):
    from django.core.management import call_command

    from apps.kpi.aggregates import contract_facts_fill, fact_totals

    settings.DEBUG = True
    call_command("generate_data", contracts=600, year_from=2023, year_to=2024, seed=4, stdout=StringIO())
    assert contract_facts_fill()["events"] == 0
    for side, measure in (("output", "output"), ("absorption", "absorption")):
        for year in (2023, 2024):
            period = {"date_from": date(year, 1, 1), "date_to": date(year, 12, 31)}
            live = statistics.contract_totals(measure=measure, group_by="unit", **period)
            facts = fact_totals(side=side, year=year, group_by="unit")
            assert facts == {row.key: row.figures for row in live}


def test_the_command_writes_listings_and_reports_in_proportion(settings):
    from django.core.management import call_command

    from apps.achievements.models import Achievement, AchievementEvent, Need, NeedEvent

    settings.DEBUG = True
    out = StringIO()
    call_command("generate_data", contracts=500, year_from=2023, year_to=2024, seed=2, stdout=out)
    assert Achievement.objects.count() == 50 and Need.objects.count() == 10
    assert AchievementEvent.objects.count() == 50 and NeedEvent.objects.count() == 10
    assert "peak RSS" in out.getvalue()
    call_command(
        "generate_data", "--contracts=100", "--achievements=7", "--needs=0", "--no-reports", "--seed=3", stdout=out
    )
    assert Achievement.objects.count() == 57 and Need.objects.count() == 10


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_thread_writes_and_the_indexes_are_built_again():
    """The command's path: a writer thread with its own connection, the secondary indexes dropped and rebuilt."""
    from django.db import connection

    from apps.contracts.models import ContractEvent

    def indexes():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename IN (%s, %s) ORDER BY indexname",
                [Contract._meta.db_table, ContractEvent._meta.db_table],
            )
            return [row[0] for row in cursor.fetchall()]

    before = indexes()
    result = gen.generate_contracts(
        2500, year_from=2024, year_to=2024, seed=9, batch_size=400, sellers=20, rebuild_indexes=True
    )
    assert indexes() == before
    assert result.rows == Contract.objects.count() == ContractEvent.objects.count() == 2500
    assert result.index_seconds > 0
