from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "apps.subsidies"
    verbose_name = _("Subsidies")

    def ready(self):
        from apps.subsidies import home, policies  # noqa: F401 - registers navigation, cards, the policy rules
