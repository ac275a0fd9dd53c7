"""The data generator's transfer institutions and annual reports: their figures follow from the contracts."""

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.contracts.generate import generate_contracts
from apps.contracts.statistics import counted_contracts
from apps.institutions.generate import generate_annual_reports
from apps.institutions.models import AnnualReport, Institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    generate_contracts(1500, year_from=2021, year_to=2024, seed=3, sellers=80)
    return generate_annual_reports(seed=3, year_from=2021, year_to=2024)


def test_every_transfer_institution_among_the_sellers_is_filed(generated):
    hosts = Organisation.objects.filter(kind="transfer_institution", contracts_sold__isnull=False).distinct()
    assert hosts.exists()
    assert set(Institution.objects.values_list("host", flat=True)) >= set(hosts.values_list("pk", flat=True))
    assert generated.institutions == Institution.objects.count()
    for institution in Institution.objects.all():
        assert institution.status == "active" and institution.recognised_on and institution.document_number
        assert institution.region_id == institution.host.region_id
        assert institution.host.memberships.get().role == "institution"


def test_reports_tell_what_the_contracts_tell(generated):
    assert generated.reports == AnnualReport.objects.count() > 0
    this_year = timezone.localdate().year
    for report in AnnualReport.objects.select_related("institution"):
        assert 2021 <= report.year < this_year and report.year >= report.institution.recognised_on.year
        sold = (
            counted_contracts()
            .filter(seller=report.institution.host_id, registered_on__year=report.year)
            .aggregate(n=Count("id"), value=Sum("contract_value"))
        )
        assert report.deals_brokered == sold["n"]
        assert report.deal_value == (sold["value"] or 0)
        assert report.firms_served >= 0 and report.services >= report.deals_brokered
        assert report.submitted_by.memberships.get().organisation_id == report.institution.host_id


def test_running_again_adds_nothing(generated):
    again = generate_annual_reports(seed=3, year_from=2021, year_to=2024)
    assert (again.institutions, again.reports) == (0, 0)
