"""The read replica: the dashboards' reads of the facts go to the ``replica`` alias, everything else to the primary.

In the tests ``replica`` is a mirror of the primary (the same database through a second connection),
so the data is committed (a transactional test) and the router is turned on for the test only.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Role
from apps.kpi.aggregates import contract_fact_rollups_refresh, fact_totals
from apps.kpi.models import ContractBreakdownYear, ContractFact, ContractFactYear, TargetSet
from hebtt.routers import DashboardReplicaRouter

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def replica_reads(settings):
    settings.HEBTT_REPLICA_READS = True


def _facts():
    ContractFact.objects.create(
        day=date(2025, 5, 1),
        side="output",
        region_id="130108",
        unit_id="130100",
        counterpart="hebei",
        count=2,
        contract_value=Decimal("300"),
        technology_value=Decimal("200"),
    )
    contract_fact_rollups_refresh()


def test_fact_reads_go_to_the_replica_and_the_rest_to_the_primary(replica_reads):
    router = DashboardReplicaRouter()
    assert router.db_for_read(ContractFact) == "replica"
    assert router.db_for_read(ContractFactYear) == "replica"
    assert router.db_for_read(ContractBreakdownYear) == "replica"
    assert router.db_for_read(TargetSet) is None  # the primary: read back at once after an approval
    assert router.db_for_write(ContractFact) == "default"
    assert not router.allow_migrate("replica", "kpi")
    assert router.allow_migrate("default", "kpi")

    _facts()
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        figures = fact_totals(side="output", year=2025, units=["130100"])
    assert (figures.count, figures.contract_value) == (2, Decimal("300"))
    assert len(on_replica) == 1 and "kpi_contractfactyear" in on_replica[0]["sql"]
    assert len(on_primary) == 0


def test_a_dashboard_page_reads_its_facts_from_the_replica(replica_reads, make_user, client):
    _facts()
    official = make_user(Role.CITY_OFFICIAL, region="130100")
    client.force_login(official)
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(reverse("kpi:unit", args=["130100"]), {"year": 2025})
    assert response.status_code == 200
    h1 = next(row for row in response.context["rows"] if row["code"] == "H1")
    assert h1["actual"] == Decimal("300")
    assert on_replica.captured_queries
    assert all("kpi_contractfact" in q["sql"] for q in on_replica.captured_queries)
    assert not any("kpi_contractfact" in q["sql"] for q in on_primary.captured_queries)


def test_without_the_setting_everything_reads_the_primary(settings):
    settings.HEBTT_REPLICA_READS = False
    assert DashboardReplicaRouter().db_for_read(ContractFact) is None
