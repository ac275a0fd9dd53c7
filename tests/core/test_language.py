"""The portal speaks Simplified Chinese unless the user switches to English."""

from django.urls import reverse


def test_chinese_is_the_default_even_for_an_english_browser(client, db):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_language_switch_selects_english_and_back(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert client.get(reverse("accounts:login"))["Content-Language"] == "en"
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert client.get(reverse("accounts:login"))["Content-Language"] == "zh-hans"


def test_an_unknown_language_cookie_falls_back_to_chinese(client, db, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert client.get(reverse("accounts:login"))["Content-Language"] == "zh-hans"


def test_grouped_figures_read_alike_in_both_languages():
    """Django's zh_Hans groups nothing; the portal's figures carry commas in Chinese as in English and as money."""
    from django.template import Context, Template
    from django.utils import translation

    from apps.core.money import money_format

    template = Template('{% load humanize %}{{ value|floatformat:"2g" }} {{ count|intcomma }} {{ value }}')
    context = {"value": 1234567.891, "count": 12345}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            # Ungrouped where no grouping is asked for (forms, data attributes), as before.
            assert Template.render(template, Context(context)) == "1,234,567.89 12,345 1234567.891"
    assert money_format(1234567.891) == "1,234,567.89"
