from io import StringIO

from django.core.management import call_command

from apps.institutions import selectors
from apps.institutions.models import Broker, Institution


def test_load_demo_fills_the_registry_once(settings, db):
    settings.HEBTT_DEMO_PASSWORD = "Demo-Password-2024!"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", allow_production=True, stdout=StringIO())
    assert selectors.public_directory().count() == 8
    assert Institution.objects.filter(status="submitted").count() == 1
    assert selectors.broker_counts(trained_only=True)["total"] == Broker.objects.count() == 3
    call_command("load_demo", allow_production=True, stdout=StringIO())
    assert Institution.objects.count() == 9
