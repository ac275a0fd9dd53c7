from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "apps.subsidies"
    verbose_name = _("Subsidies")

    def ready(self):
        from apps.subsidies import home, policies  # noqa: F401 - registers navigation, cards, the policy rules

    def load_demo_data(self) -> str:
        from apps.subsidies.demo import subsidies_demo_load

        result = subsidies_demo_load()
        return f"{result['programmes']} subsidy programmes and {result['applications']} applications added"
