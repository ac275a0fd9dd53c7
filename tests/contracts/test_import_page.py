"""The province's import page and API: files are queued, imported in the background, and followed to the end."""

import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.contracts.imports import COLUMN_NAMES, contract_import_run
from apps.contracts.models import Contract, ContractImport
from apps.contracts.tasks import contract_import_task
from apps.core.services import REFERENCE_DIR

SAMPLE = REFERENCE_DIR.parent / "samples" / "external_contracts.csv"
URL = reverse("contracts:import")


def bad_file():
    header = ",".join(COLUMN_NAMES)
    return SimpleUploadedFile("bad.csv", (header + "\n" + "A1" + "," * (len(COLUMN_NAMES) - 1) + "\n").encode())


def upload(client, file, django_capture_on_commit_callbacks):
    """Post the file; the task is queued on commit, and run here as the worker would."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(URL, {"file": file, "source": "national"})
    assert len(callbacks) == 1  # one task queued, once the job row is committed
    job = ContractImport.objects.get()
    assert job.status == "queued"
    assert contract_import_task(job.pk) in ("done", "rejected")
    return response, job


def test_a_good_file_is_imported_in_the_background(english_client_for, make_user, django_capture_on_commit_callbacks):
    client = english_client_for(make_user(Role.PROVINCE_ADMIN))
    assert client.get(URL).status_code == 200
    response, job = upload(client, SimpleUploadedFile("x.csv", SAMPLE.read_bytes()), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response.url == reverse("contracts:import_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.created, job.rows) == ("done", Contract.objects.filter(is_external=True).count(), job.rows)
    assert job.created > 0 and job.started_at and job.finished_at
    page = client.get(response.url)
    assert "records added" in page.content.decode()
    assert 'hx-trigger="every 2s"' not in page.content.decode()  # finished: no more polling
    assert job.filename in client.get(URL).content.decode()  # listed among recent imports


def test_a_bad_file_is_rejected_with_its_rows_and_a_report(
    english_client_for, make_user, django_capture_on_commit_callbacks
):
    client = english_client_for(make_user(Role.PROVINCE_ADMIN))
    _response, job = upload(client, bad_file(), django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == "rejected"
    assert job.errors and all(row == 2 for row, _column, _message in job.errors)
    assert not Contract.objects.exists()
    page = client.get(reverse("contracts:import_job", args=[job.pk]))
    assert job.errors[0][2] in page.content.decode()
    report = client.get(reverse("contracts:import_report", args=[job.pk]))
    assert report["Content-Type"].startswith("text/csv")
    assert report.content.startswith(b"\xef\xbb\xbfrow,column,message")


def test_a_running_import_page_polls(client_for, make_user, django_capture_on_commit_callbacks):
    client = client_for(make_user(Role.PROVINCE_ADMIN))
    with django_capture_on_commit_callbacks(execute=False):
        client.post(URL, {"file": bad_file(), "source": "national"})
    job = ContractImport.objects.get()
    page = client.get(reverse("contracts:import_job", args=[job.pk]))
    assert 'hx-trigger="every 2s"' in page.content.decode()
    assert '<div id="import-announce" class="visually-hidden" role="status"' in page.content.decode()
    url = reverse("contracts:import_job", args=[job.pk])
    partial = client.get(url, {"shown": "queued"}, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="import-status"') and "import-announce" not in partial
    ContractImport.objects.filter(pk=job.pk).update(status="running")
    running = client.get(url, {"shown": "queued"}, HTTP_HX_REQUEST="true").content.decode()
    assert f'hx-get="{url}?shown=running"' in running
    assert '<div id="import-announce" hx-swap-oob="innerHTML">' in running  # the change is read out once


def test_a_job_runs_once_even_if_the_message_comes_twice(make_user, django_capture_on_commit_callbacks, client_for):
    client = client_for(make_user(Role.PROVINCE_ADMIN))
    with django_capture_on_commit_callbacks(execute=False):
        client.post(URL, {"file": SimpleUploadedFile("x.csv", SAMPLE.read_bytes()), "source": "national"})
    job = ContractImport.objects.get()
    assert contract_import_run(job_id=job.pk).status == "done"
    assert contract_import_run(job_id=job.pk) is None
    assert contract_import_task(job.pk) == "already_run"


def test_a_file_of_another_type_is_refused_at_once(english_client_for, make_user):
    client = english_client_for(make_user(Role.PROVINCE_ADMIN))
    response = client.post(URL, {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4"), "source": "national"})
    assert response.status_code == 400
    assert "xlsx" in response.content.decode()
    assert not ContractImport.objects.exists()


def test_only_the_province_imports_or_sees_imports(client_for, make_user, registrar, api_for):
    assert client_for(make_user(Role.CITY_OFFICIAL)).get(URL).status_code == 403
    assert client_for(registrar).get(URL).status_code == 403
    province = make_user(Role.PROVINCE_ADMIN)
    job = ContractImport.objects.create(source="x", filename="x.csv", created_by=province, errors=[[2, "a", "b"]])
    assert client_for(registrar).get(reverse("contracts:import_job", args=[job.pk])).status_code == 403
    assert api_for(registrar).get(reverse("api:contract-import-job", args=[job.pk])).status_code == 403


def test_the_api_queues_and_reports(api_for, make_user, django_capture_on_commit_callbacks):
    client = api_for(make_user(Role.PROVINCE_ADMIN))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/api/v1/contracts/import/", {"file": bad_file()}, format="multipart")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and len(callbacks) == 1
    contract_import_task(body["id"])
    result = client.get(body["url"]).json()
    assert result["status"] == "rejected"
    assert result["errors"] and {"row", "column", "message"} <= set(result["errors"][0])


def test_a_run_that_died_is_run_again_when_its_message_comes_back(
    make_user, client_for, django_capture_on_commit_callbacks
):
    import psycopg2
    from django.db import connection

    client = client_for(make_user(Role.PROVINCE_ADMIN))
    with django_capture_on_commit_callbacks(execute=False):
        client.post(URL, {"file": SimpleUploadedFile("x.csv", SAMPLE.read_bytes()), "source": "national"})
    job = ContractImport.objects.get()
    ContractImport.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    # A run in another worker holds its job's lock for as long as its connection lives.
    other = psycopg2.connect(**connection.get_connection_params())
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext('hebtt.contracts.import-job'), %s)", [job.pk])
    assert contract_import_run(job_id=job.pk) is None  # still running elsewhere: left alone
    assert ContractImport.objects.get(pk=job.pk).status == "running"
    pid = other.get_backend_pid()
    other.close()  # that worker was killed: the database drops its lock
    # ... once its backend has ended, which follows the closed socket by a moment; the message
    # comes again much later (tasks are acknowledged late), so wait for the end as it would.
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone() is None:
                break
            time.sleep(0.02)
    assert contract_import_run(job_id=job.pk).status == "done"
