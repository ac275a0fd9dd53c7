"""Loading the reference data in ``fixtures/reference/`` (regions, countries, code lists).

Loading is idempotent: rows are upserted by their code, nothing is duplicated, and an entry that
left the files is deactivated, never deleted (contracts and organisations still point at it).
"""

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pghistory
from django.apps import apps as django_apps
from django.conf import settings
from django.db import transaction

from apps.core.errors import InvalidInput
from apps.core.models import CalendarDay, Code, CodeList, Country, Region

REFERENCE_DIR = Path(settings.BASE_DIR) / "fixtures" / "reference"
REGION_COLUMNS = ["code", "name_zh", "name_en", "level", "parent_code", "unit_code", "official"]
COUNTRY_COLUMNS = ["alpha2", "alpha3", "numeric", "name_zh", "name_en"]
CODE_COLUMNS = ["list", "code", "parent_code", "name_zh", "name_en", "sort"]
CALENDAR_COLUMNS = ["date", "working", "note"]
# A child list's parent_code refers to an entry of this list.
PARENT_LISTS = {CodeList.CONTRACT_SUBTYPE: CodeList.CONTRACT_TYPE}


@dataclass
class LoadResult:
    regions: int
    countries: int
    codes: int
    calendar_days: int
    extra: dict[str, int]


def _read_csv(path: Path, columns: list[str]) -> list[tuple[int, dict]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != columns:
            raise InvalidInput(f"{path.name}: expected the columns {columns}, found {reader.fieldnames}")
        return [(number, {k: (v or "").strip() for k, v in row.items()}) for number, row in enumerate(reader, start=2)]


def _fail(path: Path, number: int, message: str):
    raise InvalidInput(f"{path.name}, row {number}: {message}")


def _load_regions(path: Path) -> int:
    rows = _read_csv(path, REGION_COLUMNS)
    codes = {row["code"] for _, row in rows}
    levels = {choice.value for choice in Region.Level}
    regions = []
    for number, row in rows:
        if not (len(row["code"]) == 6 and row["code"].isdigit()):
            _fail(path, number, f"region code {row['code']!r} is not 6 digits")
        if row["level"] not in levels:
            _fail(path, number, f"unknown level {row['level']!r}")
        for column in ("parent_code", "unit_code"):
            if row[column] and row[column] not in codes:
                _fail(path, number, f"{column} {row[column]!r} is not a region in the file")
        regions.append(
            Region(
                code=row["code"],
                name=row["name_zh"],
                name_en=row["name_en"],
                level=row["level"],
                parent_id=row["parent_code"] or None,
                unit_id=row["unit_code"] or None,
                is_official=row["official"] != "0",
                is_active=True,
            )
        )
    Region.objects.bulk_create(
        regions,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "name_en", "level", "parent", "unit", "is_official", "is_active"],
    )
    Region.objects.exclude(code__in=codes).filter(is_active=True).update(is_active=False)
    return len(regions)


def _load_countries(path: Path) -> int:
    rows = _read_csv(path, COUNTRY_COLUMNS)
    countries = []
    for number, row in rows:
        if len(row["alpha2"]) != 2 or len(row["alpha3"]) != 3:
            _fail(path, number, f"bad ISO codes {row['alpha2']!r}/{row['alpha3']!r}")
        countries.append(
            Country(
                code=row["alpha2"],
                alpha3=row["alpha3"],
                numeric=row["numeric"],
                name=row["name_zh"],
                name_en=row["name_en"],
            )
        )
    Country.objects.bulk_create(
        countries,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["alpha3", "numeric", "name", "name_en"],
    )
    return len(countries)


def _load_codes(path: Path) -> int:
    rows = _read_csv(path, CODE_COLUMNS)
    lists = {choice.value for choice in CodeList}
    seen = set()
    for number, row in rows:
        if row["list"] not in lists:
            _fail(path, number, f"unknown code list {row['list']!r}")
        if (row["list"], row["code"]) in seen:
            _fail(path, number, f"duplicate code {row['code']!r} in {row['list']}")
        seen.add((row["list"], row["code"]))
        if not row["sort"].isdigit():
            _fail(path, number, f"sort {row['sort']!r} is not a number")
    # Parents first, so that children can point at their primary keys.
    parents = [(n, r) for n, r in rows if r["list"] not in PARENT_LISTS]
    children = [(n, r) for n, r in rows if r["list"] in PARENT_LISTS]
    for batch in (parents, children):
        if not batch:
            continue
        parent_ids = {(c.list, c.code): c.pk for c in Code.objects.filter(list__in=set(PARENT_LISTS.values()))}
        codes = []
        for number, row in batch:
            parent_id = None
            if row["parent_code"]:
                parent_list = PARENT_LISTS.get(row["list"])
                parent_id = parent_ids.get((parent_list, row["parent_code"]))
                if parent_id is None:
                    _fail(path, number, f"parent {row['parent_code']!r} is not in {parent_list}")
            codes.append(
                Code(
                    list=row["list"],
                    code=row["code"],
                    parent_id=parent_id,
                    name=row["name_zh"],
                    name_en=row["name_en"],
                    sort=int(row["sort"]),
                    is_active=True,
                )
            )
        Code.objects.bulk_create(
            codes,
            update_conflicts=True,
            unique_fields=["list", "code"],
            update_fields=["parent", "name", "name_en", "sort", "is_active"],
        )
    for code in Code.objects.filter(is_active=True).values_list("list", "code"):
        if code not in seen:
            Code.objects.filter(list=code[0], code=code[1]).update(is_active=False)
    return len(rows)


def _load_calendar(path: Path) -> int:
    """The calendar exceptions are the province's list, so the file replaces the table."""
    rows = _read_csv(path, CALENDAR_COLUMNS)
    days = []
    for number, row in rows:
        try:
            day = date.fromisoformat(row["date"])
        except ValueError:
            _fail(path, number, f"date {row['date']!r} is not YYYY-MM-DD")
        if row["working"] not in ("0", "1"):
            _fail(path, number, f"working must be 0 or 1, not {row['working']!r}")
        is_working = row["working"] == "1"
        if is_working == (day.weekday() < 5):
            _fail(path, number, f"{day} is already a {'working' if is_working else 'rest'} day by the weekday rule")
        days.append(CalendarDay(date=day, is_working=is_working, note=row["note"]))
    CalendarDay.objects.exclude(date__in=[d.date for d in days]).delete()
    CalendarDay.objects.bulk_create(
        days, update_conflicts=True, unique_fields=["date"], update_fields=["is_working", "note"]
    )
    return len(days)


def reference_data_load(*, directory: Path = REFERENCE_DIR) -> LoadResult:
    """Load (or refresh) all reference data, all or nothing.

    Apps add their own reference files by giving their AppConfig a ``load_reference_data(directory)``
    method that returns a row count.
    """
    with transaction.atomic(), pghistory.context(action="reference.load"):
        result = LoadResult(
            regions=_load_regions(directory / "regions.csv"),
            countries=_load_countries(directory / "countries.csv"),
            codes=_load_codes(directory / "codes.csv"),
            calendar_days=_load_calendar(directory / "calendar.csv"),
            extra={},
        )
        for config in django_apps.get_app_configs():
            loader = getattr(config, "load_reference_data", None)
            if loader is not None:
                result.extra[config.label] = loader(directory)
        return result


def beat_schedule_sync() -> list[str]:
    """Upsert the code-defined beat schedule into django-celery-beat, with the entry class beat itself uses."""
    from django_celery_beat.schedulers import DatabaseScheduler

    from hebtt.celery import app

    with transaction.atomic():
        for name, entry in app.conf.beat_schedule.items():
            DatabaseScheduler.Entry.from_entry(name, app=app, **entry)
    return sorted(app.conf.beat_schedule)
