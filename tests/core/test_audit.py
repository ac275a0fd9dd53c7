"""Audit history: every write, bulk ones included, is recorded with who acted."""

import pghistory
import pytest

from apps.accounts.models import Organisation, OrganisationStatus


def test_bulk_update_records_one_event_per_row_with_the_actor(make_organisation, make_user):
    actor = make_user("province_admin")
    organisations = [make_organisation(region="130203") for _ in range(3)]
    before = Organisation.pgh_event_model.objects.count()
    with pghistory.context(user=actor.pk, action="bulk.suspend", reason="annual inspection"):
        Organisation.objects.filter(pk__in=[o.pk for o in organisations]).update(status=OrganisationStatus.SUSPENDED)
    events = Organisation.pgh_event_model.objects.order_by("pgh_id")[before:]
    assert len(events) == 3
    for event in events:
        assert event.status == OrganisationStatus.SUSPENDED
        assert event.pgh_context.metadata["user"] == actor.pk
        assert event.pgh_context.metadata["reason"] == "annual inspection"


def test_an_unchanged_save_records_nothing(make_organisation):
    organisation = make_organisation()
    before = Organisation.pgh_event_model.objects.count()
    organisation.save()
    Organisation.objects.filter(pk=organisation.pk).update(name=organisation.name)
    # updated_at moves on save, so one event; the no-op update records none.
    assert Organisation.pgh_event_model.objects.count() - before <= 1


def test_a_web_request_records_the_logged_in_user(client_for, make_user, make_organisation):
    official = make_user("city_official")
    pending = make_organisation(region="130123", status=OrganisationStatus.PENDING)
    response = client_for(official).post(f"/accounts/organisations/{pending.pk}/activate/")
    assert response.status_code == 302
    event = pending.events.order_by("-pgh_id").first()
    assert event.status == OrganisationStatus.ACTIVE
    assert event.pgh_context.metadata["user"] == official.pk
    assert event.pgh_context.metadata["url"] == f"/accounts/organisations/{pending.pk}/activate/"


def test_the_history_cannot_be_changed_or_deleted(make_organisation):
    from django.db import InternalError, transaction

    event = make_organisation().events.get()
    with pytest.raises(InternalError, match="append_only"), transaction.atomic():
        Organisation.pgh_event_model.objects.filter(pk=event.pk).update(name="rewritten")
    with pytest.raises(InternalError, match="append_only"), transaction.atomic():
        event.delete()
    assert Organisation.pgh_event_model.objects.get(pk=event.pk).name == event.name


def test_every_history_table_is_append_only(db):
    from django.apps import apps
    from django.db import connection
    from pghistory.models import Event

    tables = {model._meta.db_table for model in apps.get_models() if issubclass(model, Event) and not model._meta.proxy}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'pgtrigger_append_only_%%'"
        )
        protected = {name for (name,) in cursor.fetchall()}
    assert len(tables) > 30
    assert tables <= protected
