from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    name = "apps.institutions"
    verbose_name = _("Transfer institutions and platforms")

    def ready(self):
        from apps.institutions import home, policies  # noqa: F401 - registers navigation, cards, the policy rules

    def load_demo_data(self) -> str:
        from apps.institutions.demo import institutions_demo_load

        result = institutions_demo_load()
        return f"{result['institutions']} institutions and {result['brokers']} brokers added"

    def load_reference_data(self, directory) -> int:
        from apps.institutions.services import institution_kinds_load

        return institution_kinds_load(path=directory / "institution_kinds.csv")
