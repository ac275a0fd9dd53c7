"""Officials' downloads of search results: queued, written in the background, fetched by the requester only."""

import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from apps.accounts.models import Membership, Role
from apps.contracts import exports, services
from apps.contracts.exports import (
    EXPORT_IN_PROGRESS,
    EXPORT_INVALID_FILTER,
    contract_export_queue,
    contract_export_run,
    contract_exports_expire,
)
from apps.contracts.models import ContractExport, ExportStatus
from apps.contracts.tasks import contract_export_task, contract_exports_expire_task
from apps.core.errors import Conflict, InvalidInput
from apps.core.models import Notification, OutboxTask
from tests.contracts.conftest import contract_input, pdf_upload

SEARCH = reverse("contracts:search")
CREATE = reverse("contracts:export_create")


@pytest.fixture
def city(make_user):
    """A 石家庄 (unit 130100) official."""
    return make_user(Role.CITY_OFFICIAL, region="130100")


@pytest.fixture
def shijiazhuang(make_contract):
    """Three registered contracts of a 石家庄 seller (buyer in Beijing)."""
    return [make_contract(name=f"石家庄合同{n}") for n in range(3)]


@pytest.fixture
def tangshan(make_user, office_for):
    """A registered contract of a 唐山 seller with a Beijing buyer: outside 石家庄 on both sides."""
    seller = make_user(Role.ENTERPRISE, region="130203")
    office = office_for("130200", code="0201")
    registrar = make_user()
    Membership.objects.create(user=registrar, organisation=office.organisation, role=Role.REGISTRAR)
    contract = services.contract_create(
        actor=seller,
        seller=seller.memberships.get().organisation,
        data=contract_input(name="唐山合同"),
        attachment=pdf_upload(),
    )
    contract = services.contract_submit(actor=seller, contract=contract)
    contract = services.contract_accept(actor=registrar, contract=contract)
    return services.contract_register(actor=registrar, contract=contract)


def queue_and_run(client, django_capture_on_commit_callbacks, data=None):
    """Post the search's filters; the task is queued on commit, and run here as the worker would."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(CREATE, data or {})
    assert len(callbacks) == 1  # one task queued, once the export row is committed
    export = ContractExport.objects.get()
    assert response.status_code == 302 and response.url == reverse("contracts:export", args=[export.pk])
    assert export.status == ExportStatus.QUEUED
    assert contract_export_task(export.pk) == "done"
    export.refresh_from_db()
    return export


def sheet_rows(export) -> list[tuple]:
    with export.file.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return rows


def test_a_city_official_gets_their_citys_contracts_only(
    client_for, city, shijiazhuang, tangshan, django_capture_on_commit_callbacks
):
    client = client_for(city)
    export = queue_and_run(client, django_capture_on_commit_callbacks)
    assert (export.rows_total, export.rows_done, export.percent) == (3, 3, 100)
    assert export.started_at and export.finished_at and export.expires_at > export.finished_at
    header, *rows = sheet_rows(export)
    assert len(header) == len(exports.EXPORT_COLUMNS)
    assert sorted(row[0] for row in rows) == sorted(c.registration_number for c in shijiazhuang)
    assert tangshan.registration_number not in {row[0] for row in rows}
    first = next(row for row in rows if row[0] == shijiazhuang[0].registration_number)
    assert first[1] == "石家庄合同0" and first[3] == shijiazhuang[0].seller_name
    assert first[7] == 1200000 and first[8] == 1000000  # contract value, technology value
    # The file leaves the portal: no contact person, phone or credit code in it.
    flat = " ".join(str(value) for row in (header, *rows) for value in row)
    assert shijiazhuang[0].seller_credit_code not in flat and "91110108551385082Q" not in flat

    download = client.get(reverse("contracts:export_download", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content).startswith(b"PK")
    # The requester is told, in the portal (and by the daily digest).
    notice = Notification.objects.get(user=city, kind=exports.NOTIFICATION_EXPORT)
    assert notice.url == reverse("contracts:export", args=[export.pk])


def test_a_filter_for_another_region_does_not_widen_the_scope(
    client_for, city, shijiazhuang, tangshan, django_capture_on_commit_callbacks
):
    export = queue_and_run(client_for(city), django_capture_on_commit_callbacks, {"seller_unit": "130200"})
    assert export.filters == {"seller_unit": ["130200"]}
    assert export.rows_done == 0 and len(sheet_rows(export)) == 1  # the header alone


def test_the_province_gets_every_region_and_the_filters_apply(
    client_for, make_user, shijiazhuang, tangshan, django_capture_on_commit_callbacks
):
    client = client_for(make_user(Role.PROVINCE_ADMIN))
    export = queue_and_run(client, django_capture_on_commit_callbacks, {"seller_unit": "130200", "page": "3"})
    assert export.filters == {"seller_unit": ["130200"]}  # the page number is not a filter
    assert [row[0] for row in sheet_rows(export)[1:]] == [tangshan.registration_number]


def test_nobody_else_sees_or_downloads_an_export(
    client_for, make_user, city, shijiazhuang, django_capture_on_commit_callbacks
):
    export = queue_and_run(client_for(city), django_capture_on_commit_callbacks)
    colleague = make_user(Role.CITY_OFFICIAL, organisation=city.memberships.get().organisation)
    for other in (colleague, make_user(Role.PROVINCE_ADMIN), make_user(Role.CITY_OFFICIAL, region="130200")):
        client = client_for(other)
        assert client.get(reverse("contracts:export", args=[export.pk])).status_code == 404
        assert client.get(reverse("contracts:export_download", args=[export.pk])).status_code == 404
        assert str(export.pk) not in re.findall(
            r"exports/(\d+)/", client.get(reverse("contracts:exports")).content.decode()
        )
    seller = make_user(Role.ENTERPRISE)
    assert client_for(seller).get(reverse("contracts:export", args=[export.pk])).status_code == 403
    assert client_for(seller).post(CREATE).status_code == 403
    anonymous = client_for(make_user()).get(reverse("contracts:export_download", args=[export.pk]))
    assert anonymous.status_code in (403, 404)


def test_invalid_filters_are_refused_and_nothing_is_created(english_client_for, city, shijiazhuang):
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        contract_export_queue(actor=city, params={"registered_from": ["not a date"]})
    assert refused.value.code == EXPORT_INVALID_FILTER
    assert "Registered from" in str(refused.value.message)
    with pytest.raises(InvalidInput):
        contract_export_queue(actor=city, params={"q": ["x" * 500]})
    response = english_client_for(city).post(CREATE, {"registered_from": "2026-13-45", "q": "合同"}, follow=True)
    assert response.redirect_chain[0][0].startswith(SEARCH + "?")
    assert "These filters are not valid" in response.content.decode()
    assert not ContractExport.objects.exists() and not OutboxTask.objects.exists()


def test_a_second_export_waits_for_the_first(client_for, city, shijiazhuang, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = contract_export_queue(actor=city, params={})
    with pytest.raises(Conflict) as refused:
        contract_export_queue(actor=city, params={"status": ["registered"]})
    assert refused.value.code == EXPORT_IN_PROGRESS
    response = client_for(city).post(CREATE, {"status": "registered"})
    assert response.status_code == 302 and response.url == reverse("contracts:exports")
    ContractExport.objects.filter(pk=first.pk).update(status=ExportStatus.RUNNING)
    with pytest.raises(Conflict):
        contract_export_queue(actor=city, params={})
    assert ContractExport.objects.count() == 1
    contract_export_run(export_id=first.pk)  # a run taken over from a dead worker ends it
    with django_capture_on_commit_callbacks(execute=False):
        assert contract_export_queue(actor=city, params={}).pk != first.pk


def test_progress_is_written_as_rows_go(monkeypatch, city, shijiazhuang, django_capture_on_commit_callbacks):
    monkeypatch.setattr(exports, "EXPORT_PROGRESS_EVERY", 1)
    with django_capture_on_commit_callbacks(execute=False):
        export = contract_export_queue(actor=city, params={})
    assert (export.rows_done, export.rows_total, export.percent) == (0, None, 0)
    with CaptureQueriesContext(connection) as queries:
        contract_export_run(export_id=export.pk)
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "contracts_contractexport"')]
    totals = [int(m) for sql in updates for m in re.findall(r'"rows_total" = (\d+)', sql)]
    done = [int(m) for sql in updates for m in re.findall(r'SET "rows_done" = (\d+)', sql)]
    assert totals[0] == 3 and done == [1, 2, 3]  # the page reads these while the file is written
    export.refresh_from_db()
    assert (export.status, export.rows_done, export.rows_total) == ("done", 3, 3)


def test_a_duplicated_message_writes_once(city, shijiazhuang, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        export = contract_export_queue(actor=city, params={})
    assert contract_export_run(export_id=export.pk).status == "done"
    assert contract_export_run(export_id=export.pk) is None
    assert contract_export_task(export.pk) == "already_run"


def test_the_page_polls_with_a_progress_bar_until_the_file_is_ready(
    english_client_for, city, shijiazhuang, django_capture_on_commit_callbacks
):
    client = english_client_for(city)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(CREATE, {"status": "registered"})
    export = ContractExport.objects.get()
    url = reverse("contracts:export", args=[export.pk])
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in page and "export-progress-0" in page
    assert f'hx-get="{url}?shown=queued"' in page
    assert '<div id="export-announce" class="visually-hidden" role="status"' in page  # empty until a change
    assert "Status: Registered" in page  # the filters, codes shown by their labels
    ContractExport.objects.filter(pk=export.pk).update(status="running", rows_total=200, rows_done=50)
    partial = client.get(url, {"shown": "queued"}, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="export-status"') and f'hx-get="{url}?shown=running"' in partial
    assert 'role="progressbar"' in partial and 'aria-valuenow="25"' in partial
    assert 'aria-valuemin="0"' in partial and 'aria-valuemax="100"' in partial and "export-progress-25" in partial
    assert "50 of 200" in partial
    # The new status is read out once, in the page's live region (out of band); the box itself is not live.
    announce = partial.split('<div id="export-announce" hx-swap-oob="innerHTML">')[1]
    assert announce.startswith("50 of 200 contracts written.")
    assert "aria-live" not in partial and "aria-busy" not in partial
    again = client.get(url, {"shown": "running"}, HTTP_HX_REQUEST="true").content.decode()
    assert "50 of 200" in again and "export-announce" not in again  # same status: nothing read out again
    contract_export_run(export_id=export.pk)
    done = client.get(url, {"shown": "running"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' not in done and 'role="progressbar"' not in done
    assert reverse("contracts:export_download", args=[export.pk]) in done
    assert '<div id="export-announce" hx-swap-oob="innerHTML">3 contracts written.' in done
    listing = client.get(reverse("contracts:exports")).content.decode()
    assert url in listing and export.filename in listing


def test_the_search_page_offers_the_download_of_its_filters(client_for, city, shijiazhuang):
    page = client_for(city).get(SEARCH, {"status": "registered", "q": "", "page": "1"}).content.decode()
    assert f'action="{CREATE}"' in page
    assert '<input type="hidden" name="status" value="registered">' in page
    assert 'name="page"' not in page.split(f'action="{CREATE}"')[1].split("</form>")[0]


def test_files_are_deleted_after_their_expiry(client_for, city, shijiazhuang, django_capture_on_commit_callbacks):
    client = client_for(city)
    export = queue_and_run(client, django_capture_on_commit_callbacks)
    name = export.file.name
    storage = export.file.storage
    assert storage.exists(name)
    assert contract_exports_expire() == 0  # not yet
    assert contract_exports_expire(now=export.expires_at + timedelta(seconds=1)) == 1
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED and not export.file and not storage.exists(name)
    assert client.get(reverse("contracts:export_download", args=[export.pk])).status_code == 404
    assert 'role="progressbar"' not in client.get(reverse("contracts:export", args=[export.pk])).content.decode()
    assert contract_exports_expire_task() == 0  # the beat's run: nothing left


def test_the_download_checks_the_access_again(client_for, city, shijiazhuang, django_capture_on_commit_callbacks):
    client = client_for(city)
    export = queue_and_run(client, django_capture_on_commit_callbacks)
    membership = city.memberships.get()
    membership.is_active = False
    membership.save()
    assert client.get(reverse("contracts:export_download", args=[export.pk])).status_code == 403
    # Moved to another city's bureau: the file was written with 石家庄's contracts.
    Membership.objects.create(user=city, organisation=_bureau("130200"), role=Role.CITY_OFFICIAL)
    assert client.get(reverse("contracts:export_download", args=[export.pk])).status_code == 403
    membership.is_active = True
    membership.save()
    assert client.get(reverse("contracts:export_download", args=[export.pk])).status_code == 200  # a grant gained


def _bureau(region):
    from apps.accounts.demo import demo_credit_code
    from apps.accounts.models import Organisation, OrganisationKind
    from apps.core.models import Region

    name = f"{region}科技局"
    return Organisation.objects.create(
        name=name,
        credit_code=demo_credit_code(OrganisationKind.ST_BUREAU, region, name),
        kind=OrganisationKind.ST_BUREAU,
        region=Region.objects.get(code=region),
        status="active",
    )


def test_an_export_whose_requester_lost_access_before_it_ran_is_not_written(
    city, shijiazhuang, django_capture_on_commit_callbacks
):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=False):
        export = contract_export_queue(actor=city, params={})
    assert export.language == "en"
    city.memberships.update(is_active=False)
    Membership.objects.create(user=city, organisation=_bureau("130200"), role=Role.CITY_OFFICIAL)
    city = type(city).objects.get(pk=city.pk)  # a fresh user: its grants are read again
    assert contract_export_run(export_id=export.pk).status == "failed"
    export.refresh_from_db()
    assert not export.file and "access to contracts changed" in export.message
    notice = Notification.objects.get(user=city, kind=exports.NOTIFICATION_EXPORT)
    assert notice.title == "Your download of contracts could not be written"


def test_too_many_rows_fail_with_a_clear_message(monkeypatch, city, shijiazhuang, django_capture_on_commit_callbacks):
    monkeypatch.setattr(exports, "EXPORT_MAX_ROWS", 2)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=False):
        export = contract_export_queue(actor=city, params={})
    export = contract_export_run(export_id=export.pk)
    assert export.status == "failed" and export.rows_total == 3 and not export.file
    assert export.message.startswith("The search matches 3 contracts")


def test_text_that_looks_like_a_formula_stays_text(client_for, city, make_contract, django_capture_on_commit_callbacks):
    make_contract(name='=HYPERLINK("http://x")')
    export = queue_and_run(client_for(city), django_capture_on_commit_callbacks)
    assert sheet_rows(export)[1][1] == '\'=HYPERLINK("http://x")'
