"""The pending-activation reminder, called as a plain function (the real-worker run is tested elsewhere)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import Membership, Organisation, OrganisationStatus, Role, User
from apps.accounts.tasks import pending_activation_reminder_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

REMINDER_DAYS = 2


@pytest.fixture(autouse=True)
def reminder_days(settings):
    settings.HEBTT_PENDING_ACTIVATION_REMINDER_DAYS = REMINDER_DAYS


def signed_up(make_organisation, region, *, days_ago, status=OrganisationStatus.PENDING):
    organisation = make_organisation(region=region, status=status)
    Organisation.objects.filter(pk=organisation.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return organisation


def recipients(mailoutbox):
    return sorted(address for message in mailoutbox for address in message.to)


@pytest.fixture
def officials(make_user):
    return {
        "province": make_user(Role.PROVINCE_ADMIN),
        "shijiazhuang": make_user(Role.CITY_OFFICIAL, region="130100"),
        "tangshan": make_user(Role.CITY_OFFICIAL, region="130200"),
    }


def test_old_sign_up_reminds_the_city_and_the_province(officials, make_organisation, mailoutbox):
    signed_up(make_organisation, "130123", days_ago=REMINDER_DAYS + 1)

    sent = pending_activation_reminder_task()

    assert sent == 2
    assert recipients(mailoutbox) == sorted([officials["province"].email, officials["shijiazhuang"].email])


def test_official_of_another_unit_is_not_reminded(officials, make_organisation, mailoutbox):
    signed_up(make_organisation, "130123", days_ago=REMINDER_DAYS + 1)
    pending_activation_reminder_task()
    assert officials["tangshan"].email not in recipients(mailoutbox)


def test_reminder_names_the_waiting_enterprise(officials, make_organisation, mailoutbox):
    waiting = signed_up(make_organisation, "130123", days_ago=REMINDER_DAYS + 1)
    pending_activation_reminder_task()
    assert all(waiting.name in message.body for message in mailoutbox)


def test_fresh_sign_up_triggers_nothing(officials, make_organisation, mailoutbox):
    signed_up(make_organisation, "130123", days_ago=REMINDER_DAYS - 1)
    assert pending_activation_reminder_task() == 0
    assert mailoutbox == []


def test_old_but_decided_organisation_triggers_nothing(officials, make_organisation, mailoutbox):
    signed_up(make_organisation, "130123", days_ago=30, status=OrganisationStatus.ACTIVE)
    signed_up(make_organisation, "130123", days_ago=30, status=OrganisationStatus.REJECTED)
    assert pending_activation_reminder_task() == 0
    assert mailoutbox == []


def test_county_official_is_reminded_of_its_county_only(make_user, make_organisation, mailoutbox):
    zhengding = make_user(Role.COUNTY_OFFICIAL, region="130123")
    luquan = make_user(Role.COUNTY_OFFICIAL, region="130110")
    signed_up(make_organisation, "130123", days_ago=REMINDER_DAYS + 1)

    pending_activation_reminder_task()

    assert recipients(mailoutbox) == [zhengding.email]
    assert luquan.email not in recipients(mailoutbox)


def test_official_of_a_suspended_bureau_is_not_reminded(make_user, make_organisation, mailoutbox):
    make_user(Role.CITY_OFFICIAL, region="130100", org_status=OrganisationStatus.SUSPENDED)
    signed_up(make_organisation, "130123", days_ago=REMINDER_DAYS + 1)
    assert pending_activation_reminder_task() == 0
    assert mailoutbox == []


def test_official_with_an_inactive_membership_is_not_reminded(make_user, make_organisation, mailoutbox):
    official = make_user(Role.CITY_OFFICIAL, region="130100")
    Membership.objects.filter(user=official).update(is_active=False)
    signed_up(make_organisation, "130123", days_ago=REMINDER_DAYS + 1)
    assert pending_activation_reminder_task() == 0


def test_official_without_email_is_skipped(make_user, make_organisation, mailoutbox):
    official = make_user(Role.CITY_OFFICIAL, region="130100")
    User.objects.filter(pk=official.pk).update(email="")
    signed_up(make_organisation, "130123", days_ago=REMINDER_DAYS + 1)
    assert pending_activation_reminder_task() == 0
    assert mailoutbox == []


def test_one_reminder_per_official_for_several_sign_ups(officials, make_organisation, mailoutbox):
    first = signed_up(make_organisation, "130123", days_ago=REMINDER_DAYS + 1)
    second = signed_up(make_organisation, "130110", days_ago=REMINDER_DAYS + 5)
    pending_activation_reminder_task()
    to_city = [m for m in mailoutbox if m.to == [officials["shijiazhuang"].email]]
    assert len(to_city) == 1
    assert first.name in to_city[0].body
    assert second.name in to_city[0].body


# The purge of login records ---------------------------------------------------------------------------


def test_login_records_purge_deletes_expired_sessions_and_old_login_records(settings, make_user):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from apps.accounts.tasks import login_records_purge_task

    settings.HEBTT_LOGIN_RECORDS_RETENTION_DAYS = 90
    now = timezone.now()
    expired, current = SessionStore(), SessionStore()
    expired.create()
    current.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=now - timedelta(minutes=1))
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        for days, username in ((91, "old"), (89, "recent")):
            extra = {"failures_since_start": 3} if model is AccessAttempt else {}
            row = model.objects.create(username=username, ip_address="203.0.113.9", user_agent="ua", **extra)
            model.objects.filter(pk=row.pk).update(attempt_time=now - timedelta(days=days))

    deleted = login_records_purge_task()

    assert list(Session.objects.values_list("session_key", flat=True)) == [current.session_key]
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        assert list(model.objects.values_list("username", flat=True)) == ["recent"], model.__name__
    assert deleted == {"accesslog": 1, "accessfailurelog": 1, "accessattempt": 1}
    assert settings.CELERY_BEAT_SCHEDULE["accounts-login-records-purge"]["task"] == (
        "apps.accounts.tasks.login_records_purge_task"
    )
