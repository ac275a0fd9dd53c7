"""The navigation bar's menus: entries grouped per app, a drop-down only where a group has several."""

import pytest
from django.urls import reverse

from apps.accounts.models import Role
from apps.accounts.policies import actor_for
from apps.core.navigation import nav_for, nav_menus_for

pytestmark = pytest.mark.django_db


def _menus(user):
    return [(menu.label, [entry.key for entry in menu.entries]) for menu in nav_menus_for(actor_for(user))]


def test_menus_hold_every_visible_entry_once_in_the_entries_order(make_user):
    actor = actor_for(make_user(Role.PROVINCE_ADMIN))
    menus = nav_menus_for(actor)
    assert [entry for menu in menus for entry in menu.entries] == nav_for(actor)
    # The province sees many entries, in a handful of menus.
    assert len(nav_for(actor)) > 12
    assert len(menus) <= 7
    assert all(len({entry.group for entry in menu.entries}) == 1 for menu in menus)


def test_a_group_with_one_visible_entry_is_a_plain_link_under_the_entry_s_own_label(client):
    menus = nav_menus_for(actor_for(None))
    singles = [menu for menu in menus if not menu.is_dropdown]
    assert singles, "an anonymous visitor sees at least one lone entry"
    for menu in singles:
        assert menu.label == menu.entries[0].label
    page = client.get(reverse("core:home")).content.decode()
    for menu in singles:
        assert f'href="{reverse(menu.entries[0].url_name)}"' in page


def test_the_page_s_own_entry_is_marked_current_in_its_drop_down(client, make_user):
    client.force_login(make_user(Role.PROVINCE_ADMIN))
    response = client.get(reverse("contracts:search"))
    menus = response.context["nav_menus"]
    current = [item["menu"] for item in menus if item["current"]]
    assert [menu.group.key for menu in current] == ["contracts"]
    assert current[0].is_dropdown
    page = response.content.decode()
    assert page.count('aria-current="page"') == 1
    assert f'active" aria-current="page" href="{reverse("contracts:search")}"' in page
