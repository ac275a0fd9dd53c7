import os
import secrets
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.demo import demo_load


def demo_password() -> tuple[str, bool]:
    """HEBTT_DEMO_PASSWORD when set; otherwise one generated on the first run and kept in var/demo-password."""
    if settings.HEBTT_DEMO_PASSWORD:
        return settings.HEBTT_DEMO_PASSWORD, True
    path = Path(settings.BASE_DIR) / "var" / "demo-password"
    if path.exists():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    password = "Hebtt-" + secrets.token_urlsafe(9)
    path.write_text(password + "\n")
    os.chmod(path, 0o600)
    return password, False


class Command(BaseCommand):
    help = (
        "Load the reference data, the demo data and one demo account per role (safe to run again). "
        "Development only (DEBUG): elsewhere it needs --allow-production."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="load even with DEBUG off (a trial or training installation, never the live portal)",
        )

    def handle(self, *args, **options):
        # The demo accounts hold every role, the province's included, with one known password and
        # demo organisations beside the real ones: a live portal must not get them by mistake.
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "DEBUG is off: the demo accounts (every role, one known password) are not for a live portal. "
                "For a trial or training installation, run `manage.py load_demo --allow-production`."
            )
        call_command("load_reference", stdout=self.stdout)
        password, from_environment = demo_password()
        results = demo_load(password=password, reset_passwords=from_environment)
        created = [account for account, was_created in results if was_created]
        if created:
            self.stdout.write("Demo accounts created (user name / role / organisation):")
            for account in created:
                self.stdout.write(f"  {account.username:18} {account.role:16} {account.organisation}")
            self.stdout.write(f"Password of every demo account: {password}")
        else:
            source = "HEBTT_DEMO_PASSWORD" if from_environment else "var/demo-password"
            self.stdout.write(f"Demo accounts already present ({len(results)}); their password is in {source}.")
        # Apps add their own demo data (offices, contracts...) through ``AppConfig.load_demo_data()``.
        for config in apps.get_app_configs():
            loader = getattr(config, "load_demo_data", None)
            if loader is not None:
                self.stdout.write(f"Demo data of {config.label}: {loader()}.")
