from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from apps.accounts import home  # noqa: F401 - registers navigation entries and home cards
