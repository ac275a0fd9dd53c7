from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "apps.kpi"
    verbose_name = _("Targets and assessment")

    def ready(self):
        from apps.kpi import home, policies  # noqa: F401 - register the navigation, home card and policy rules

    def load_demo_data(self) -> str:
        from apps.kpi.aggregates import contract_facts_rebuild
        from apps.kpi.demo import kpi_demo_load

        result = kpi_demo_load()
        # The last app's demo: every app's contracts are in, so the dashboards' facts are built now
        # rather than at the beat's first fill, and a fresh demo's dashboards show its figures.
        facts = contract_facts_rebuild()
        return (
            f"{result['contracts']} historical contracts, {result['target_sets']} target sets and "
            f"{result['reported_values']} reported values added in {result['seconds']} s; "
            f"{facts} contract fact rows built"
        )

    def load_reference_data(self, directory) -> int:
        from apps.kpi.services import indicators_load

        return indicators_load(path=directory / "indicators.csv")
