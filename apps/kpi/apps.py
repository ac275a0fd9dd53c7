from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "apps.kpi"
    verbose_name = _("Targets and assessment")

    def ready(self):
        from apps.kpi import home, policies  # noqa: F401 - register the navigation, home card and policy rules

    def load_demo_data(self) -> str:
        from apps.kpi.demo import kpi_demo_load

        result = kpi_demo_load()
        return (
            f"{result['contracts']} historical contracts, {result['target_sets']} target sets and "
            f"{result['reported_values']} reported values added in {result['seconds']} s"
        )

    def load_reference_data(self, directory) -> int:
        from apps.kpi.services import indicators_load

        return indicators_load(path=directory / "indicators.csv")
