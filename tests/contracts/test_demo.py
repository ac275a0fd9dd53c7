from io import StringIO

from django.core.management import call_command

from apps.contracts.models import Contract, RegistrationOffice
from apps.core.selectors import assessment_units


def test_load_demo_creates_offices_for_every_unit_and_contracts_in_every_state(settings, db):
    settings.HEBTT_DEMO_PASSWORD = "Demo-Password-2024!"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", allow_production=True, stdout=StringIO())
    assert RegistrationOffice.objects.count() == assessment_units().count() == 14
    assert len(set(RegistrationOffice.objects.values_list("code", flat=True))) == 14
    # The KPI demo adds a generated history of 2016-2020 registrations; the workflow demo is this year's.
    workflow = Contract.objects.filter(signed_on__year__gt=2020)
    statuses = set(workflow.values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "returned", "under_review", "second_review", "registered"}
    numbers = list(
        workflow.filter(is_external=False).exclude(registration_number="").values_list("registration_number", flat=True)
    )
    assert len(numbers) == len(set(numbers)) == 3
    assert workflow.filter(is_external=True, buyer_region__unit__isnull=False).count() >= 5
    before = Contract.objects.count()
    out = StringIO()
    call_command("load_demo", allow_production=True, stdout=out)
    assert Contract.objects.count() == before
    assert "0 contracts added" in out.getvalue()
