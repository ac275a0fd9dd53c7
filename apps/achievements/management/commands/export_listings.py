"""Export the public achievements and technology needs in the exchange format (.json or .xlsx)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.achievements.exchange import listings_export_json, listings_export_xlsx
from apps.achievements.selectors import public_achievements, public_needs


class Command(BaseCommand):
    help = "Export the public listings as a hebtt-listings file (docs/achievements-exchange.md)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the file to write: .json or .xlsx")
        parser.add_argument("--format", choices=["json", "xlsx"], help="default: from the file's extension")
        parser.add_argument("--own", action="store_true", help="only this portal's own listings, not imported ones")

    def handle(self, *args, path, format=None, own=False, **options):
        file = Path(path)
        fmt = format or file.suffix.lower().lstrip(".")
        if fmt not in ("json", "xlsx"):
            raise CommandError("Give a .json or .xlsx file, or --format.")
        achievements = public_achievements().select_related("publisher", "region").order_by("published_at", "pk")
        needs = public_needs().select_related("publisher", "region").order_by("published_at", "pk")
        if own:
            achievements, needs = achievements.filter(external_source=""), needs.filter(external_source="")
        if fmt == "json":
            document = listings_export_json(queryset_achievements=achievements, queryset_needs=needs)
            file.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
            counts = (len(document["achievements"]), len(document["needs"]))
        else:
            file.write_bytes(listings_export_xlsx(queryset_achievements=achievements, queryset_needs=needs))
            counts = (achievements.count(), needs.count())
        self.stdout.write(f"Exported {counts[0]} achievements and {counts[1]} needs to {file}.")
