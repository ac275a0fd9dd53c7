"""The province's import page: a good file is imported, a bad one is listed row by row and changes nothing."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.accounts.models import Role
from apps.contracts.imports import COLUMN_NAMES
from apps.contracts.models import Contract
from apps.core.services import REFERENCE_DIR

SAMPLE = REFERENCE_DIR.parent / "samples" / "external_contracts.csv"
URL = reverse("contracts:import")


def test_a_good_file_is_imported_and_again_changes_nothing(english_client_for, make_user):
    client = english_client_for(make_user(Role.PROVINCE_ADMIN))
    assert client.get(URL).status_code == 200
    data = SAMPLE.read_bytes()
    response = client.post(URL, {"file": SimpleUploadedFile("x.csv", data), "source": "national"}, follow=True)
    assert response.status_code == 200
    imported = Contract.objects.filter(is_external=True).count()
    assert imported > 0
    assert "records added" in str(next(iter(response.context["messages"])))
    client.post(URL, {"file": SimpleUploadedFile("x.csv", data), "source": "national"})
    assert Contract.objects.filter(is_external=True).count() == imported


def test_a_bad_file_lists_its_errors_and_offers_the_report(english_client_for, make_user):
    client = english_client_for(make_user(Role.PROVINCE_ADMIN))
    header = ",".join(COLUMN_NAMES)
    bad = SimpleUploadedFile("x.csv", (header + "\n" + "A1" + "," * (len(COLUMN_NAMES) - 1) + "\n").encode())
    response = client.post(URL, {"file": bad, "source": "national"})
    assert response.status_code == 400
    assert response.context["errors"] and all(row == 2 for row, _c, _m in response.context["errors"])
    assert not Contract.objects.exists()
    report = client.get(reverse("contracts:import_report"))
    assert report["Content-Type"].startswith("text/csv")
    assert report.content.startswith(b"\xef\xbb\xbfrow,column,message")


def test_only_the_province_imports(client_for, make_user, registrar):
    assert client_for(make_user(Role.CITY_OFFICIAL)).get(URL).status_code == 403
    assert client_for(registrar).get(URL).status_code == 403
    assert client_for(make_user(Role.PROVINCE_ADMIN)).get(reverse("contracts:import_report")).status_code == 404
