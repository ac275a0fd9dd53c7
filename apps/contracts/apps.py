from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "apps.contracts"
    verbose_name = _("Technology contracts")

    def ready(self):
        from apps.contracts import checks, home, policies  # noqa: F401 - registers checks, navigation, cards, rules

    def load_demo_data(self) -> str:
        from apps.contracts.demo import contracts_demo_load

        result = contracts_demo_load()
        return f"{result['offices']} registration offices and {result['contracts']} contracts added"

    def load_reference_data(self, directory) -> int:
        from apps.contracts.services import rule_versions_load

        return rule_versions_load(path=directory / "contract_rules.csv")
