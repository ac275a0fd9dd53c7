"""Working days in the official calendar: weekends off, except the exceptions in ``CalendarDay``."""

from datetime import date, timedelta

from django.utils import timezone

from apps.core.models import CalendarDay


def portal_today() -> date:
    """Today in the portal's calendar (China's), whatever time zone renders the answer."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


class WorkingCalendar:
    """The calendar exceptions loaded once; cheap enough to build per request or per batch."""

    def __init__(self, exceptions: dict[date, bool] | None = None):
        if exceptions is None:
            exceptions = dict(CalendarDay.objects.values_list("date", "is_working"))
        self.exceptions = exceptions

    def is_working(self, day: date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def add(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (the day of acceptance itself does not count)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        while days:
            day += timedelta(days=1)
            if self.is_working(day):
                days -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier."""
        if end < start:
            return -self.between(end, start)
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working(day)
        return count
