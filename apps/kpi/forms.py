"""The filters of the indicator dashboards: the year, the indicator of the ranking, the time series' period.

A filter that does not validate falls back to its default (this year, H1, by month) rather than
failing the page: the filters are links people bookmark and share.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The year filter offers the last ten years: older figures are archive matter.
YEARS_OFFERED = 10
# The ranking offers the indicators decomposed to the units first (H1 sums up, T19-1 is per unit).
RANKING_FIRST = ("H1", "T19-1")
DEFAULT_INDICATOR = RANKING_FIRST[0]
PERIODS = (("month", _("By month")), ("quarter", _("By quarter")))


def year_choices() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - YEARS_OFFERED, -1))


class DashboardFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    period = forms.ChoiceField(label=_("Time series"), choices=PERIODS, required=False)
    indicator = forms.ChoiceField(label=_("Indicator"), required=False)

    def __init__(self, data=None, *, indicators=()):
        super().__init__(data)
        self.fields["year"].choices = [(year, str(year)) for year in year_choices()]
        indicators = list(indicators)
        ordered = [i for code in RANKING_FIRST for i in indicators if i.code == code]
        ordered += [i for i in indicators if i.code not in RANKING_FIRST]
        self.fields["indicator"].choices = [(i.code, f"{i.code} {i.label}") for i in ordered]

    def _value(self, name, default):
        if not self.is_bound:
            return default
        self.is_valid()  # cleaned_data keeps the fields that validated: a bad period does not reset a good year
        value = self.cleaned_data.get(name)
        return value if value not in (None, "") else default

    @property
    def year_value(self) -> int:
        return self._value("year", timezone.localdate().year)

    @property
    def period_value(self) -> str:
        return self._value("period", "month")

    @property
    def indicator_value(self) -> str:
        codes = [code for code, _label in self.fields["indicator"].choices]
        default = DEFAULT_INDICATOR if DEFAULT_INDICATOR in codes else (codes[0] if codes else "")
        return self._value("indicator", default)
