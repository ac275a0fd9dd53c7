"""Working days in the official calendar, and loading the calendar and the contract rule versions."""

import shutil
from datetime import date

import pytest

from apps.contracts.models import RuleVersion
from apps.core.calendar import WorkingCalendar
from apps.core.errors import InvalidInput
from apps.core.models import CalendarDay
from apps.core.services import REFERENCE_DIR, reference_data_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar():
    return WorkingCalendar()


def test_weekends_rest_and_weekdays_work_without_exceptions():
    calendar = WorkingCalendar(exceptions={})
    assert calendar.is_working(date(2027, 3, 5))  # a Friday
    assert not calendar.is_working(date(2027, 3, 6))
    assert calendar.add(date(2027, 3, 5), 1) == date(2027, 3, 8)
    assert calendar.add(date(2027, 3, 5), 15) == date(2027, 3, 26)


def test_national_day_week_and_its_make_up_saturday(calendar):
    assert not calendar.is_working(date(2026, 10, 1))  # Thursday, a holiday
    assert calendar.is_working(date(2026, 10, 10))  # Saturday, worked to make up
    assert calendar.is_working(date(2026, 9, 20))  # Sunday, worked to make up
    # Accepted on Wednesday 30 September: the first working day after it is Thursday 8 October,
    # and the third the make-up Saturday.
    assert calendar.add(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert calendar.add(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_spring_festival_pushes_a_15_day_deadline_back(calendar):
    # Accepted Friday 6 February 2026. Without the calendar the 15th working day would be 27 February;
    # the festival takes six weekdays (16-20 and 23 February), the make-up Saturdays (14 and 28 February)
    # give two back, so the deadline moves four working days, to Thursday 5 March.
    assert WorkingCalendar(exceptions={}).add(date(2026, 2, 6), 15) == date(2026, 2, 27)
    assert calendar.add(date(2026, 2, 6), 15) == date(2026, 3, 5)


def test_between_counts_working_days_and_is_negative_when_past(calendar):
    due = calendar.add(date(2026, 11, 2), 15)
    assert calendar.between(date(2026, 11, 2), due) == 15
    assert calendar.between(due, date(2026, 11, 2)) == -15
    assert calendar.between(due, due) == 0


def test_the_files_are_loaded(calendar):
    assert CalendarDay.objects.filter(date__year=2026).count() == 25
    rule = RuleVersion.objects.get(code="2026")
    assert (rule.decision_days, rule.second_review_days, rule.second_review_threshold) == (15, 30, 5_000_000)
    assert RuleVersion.objects.get(code="2001").decision_days == 30


def test_loading_again_changes_nothing():
    before = (CalendarDay.objects.count(), RuleVersion.objects.count(), CalendarDay.pgh_event_model.objects.count())
    reference_data_load()
    after = (CalendarDay.objects.count(), RuleVersion.objects.count(), CalendarDay.pgh_event_model.objects.count())
    assert after == before


@pytest.fixture
def reference_copy(tmp_path):
    directory = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, directory)
    return directory


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2026-13-01,0,坏日期", "is not YYYY-MM-DD"),
        ("2026-12-05,0,周六", "already a rest day"),  # a Saturday listed as a holiday
        ("2026-12-07,1,周一", "already a working day"),
        ("2026-12-08,yes,", "must be 0 or 1"),
    ],
)
def test_a_bad_calendar_row_refuses_the_whole_load(reference_copy, row, message):
    with open(reference_copy / "calendar.csv", "a", encoding="utf-8") as handle:
        handle.write(row + "\n")
    before = list(CalendarDay.objects.values_list("date", "is_working"))
    with pytest.raises(InvalidInput) as raised:
        reference_data_load(directory=reference_copy)
    assert "calendar.csv, row 27" in str(raised.value.message)
    assert message in str(raised.value.message)
    assert list(CalendarDay.objects.values_list("date", "is_working")) == before


def test_a_removed_calendar_row_is_removed(reference_copy):
    path = reference_copy / "calendar.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line for line in lines if not line.startswith("2026-10-10")) + "\n", encoding="utf-8")
    reference_data_load(directory=reference_copy)
    assert not WorkingCalendar().is_working(date(2026, 10, 10))
    reference_data_load()
    assert WorkingCalendar().is_working(date(2026, 10, 10))
