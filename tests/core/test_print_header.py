"""Every page printed says where it comes from and when: the print header is in base.html, once."""

from django.urls import reverse

from apps.accounts.models import Role


def test_every_page_carries_the_print_header_once(client, client_for, make_user):
    pages = [
        client.get(reverse("accounts:login")),  # logged out
        client_for(make_user(Role.PROVINCE_ADMIN)).get(reverse("kpi:dashboard")),  # it had none before
    ]
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count('class="hebtt-print-header') == 1
        assert html.index("hebtt-print-header") > html.index('<main id="main"')
