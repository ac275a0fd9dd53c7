from io import StringIO

from django.core.management import call_command

from apps.achievements.models import Achievement, Match, Need
from apps.subsidies import selectors
from apps.subsidies.models import Application, Programme


def test_load_demo_opens_programmes_and_puts_an_application_in_notice_once(settings, db):
    settings.HEBTT_DEMO_PASSWORD = "Demo-Password-2024!"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", allow_production=True, stdout=StringIO())
    assert Programme.objects.filter(status="open").count() == 2
    notice = list(selectors.public_notice())
    assert len(notice) == 1 and notice[0].award_amount == notice[0].computed_amount > 0
    assert Application.objects.filter(status="draft").count() == 1  # the insurance claim
    # The marketplace demo too: published listings with their matches.
    assert Achievement.objects.filter(status="published").count() == 6
    assert Need.objects.filter(status="published").count() == 2
    assert (
        Match.objects.filter(need__title__contains="秸秆")
        .order_by("-score")
        .first()
        .achievement.title.startswith("玉米秸秆")
    )
    call_command("load_demo", allow_production=True, stdout=StringIO())
    assert Programme.objects.count() == 2 and Application.objects.count() == 2
