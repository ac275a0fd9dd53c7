from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AchievementsConfig(AppConfig):
    name = "apps.achievements"
    verbose_name = _("Achievements and technology needs")

    def ready(self):
        from apps.achievements import home, policies  # noqa: F401 - registers navigation, cards, the policy rules

    def load_demo_data(self) -> str:
        from apps.achievements.demo import achievements_demo_load

        result = achievements_demo_load()
        return f"{result['achievements']} achievements and {result['needs']} needs added"
