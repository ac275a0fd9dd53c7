"""Forms of the annual report and evaluation pages: the host's report, the evaluators' scores, the year filter.

The forms only shape what the browser posts; the services decide what is valid (an error they
raise is put back on the field it names).
"""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.institutions.models import InstitutionKind
from apps.institutions.services import AnnualReportInput

BLANK = [("", "—")]
# The year filters offer the last ten years: evaluations older than that are archive matter.
YEARS_OFFERED = 10


def _count(label, help_text=""):
    return forms.IntegerField(label=label, min_value=0, help_text=help_text)


def _score(label, help_text=""):
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}),
    )


class AnnualReportForm(forms.Form):
    """What ``AnnualReportInput`` carries: the year's figures and a summary."""

    services = _count(_("Services provided"), _("Technology transfer services delivered in the year."))
    deals_brokered = _count(_("Deals brokered"))
    deal_value = forms.DecimalField(
        label=_("Value of the deals (yuan)"),
        min_value=Decimal("0"),
        max_digits=16,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    firms_served = _count(_("Firms served"))
    staff = _count(_("Staff"), _("People working for the institution at the end of the year."))
    summary = forms.CharField(
        label=_("Summary of the year"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )

    def to_input(self) -> AnnualReportInput:
        data = self.cleaned_data
        return AnnualReportInput(
            services=data["services"],
            deals_brokered=data["deals_brokered"],
            deal_value=data["deal_value"],
            firms_served=data["firms_served"],
            staff=data["staff"],
            summary=data.get("summary", ""),
        )

    @staticmethod
    def initial_from(report) -> dict:
        if report is None:
            return {}
        return {
            name: getattr(report, name)
            for name in ("services", "deals_brokered", "deal_value", "firms_served", "staff", "summary")
        }


class EvaluationForm(forms.Form):
    """The four criteria the evaluators score; service performance is computed, never typed in."""

    base_conditions = _score(_("Base conditions"), _("Premises, equipment, funding and registration."))
    capability = _score(_("Capability"), _("Staff, brokers and the services the institution can deliver."))
    management = _score(_("Management"), _("Rules, records and the annual report."))
    reputation = _score(_("Reputation"), _("Feedback of the firms served and public recognition."))
    note = forms.CharField(
        label=_("Remarks"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


def year_choices():
    last = timezone.localdate().year - 1
    return [(year, str(year)) for year in range(last, last - YEARS_OFFERED, -1)]


class YearFilterForm(forms.Form):
    """The year of the reports or evaluations shown, and (on the ranking) the kind of institution."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    kind = forms.ChoiceField(label=_("Institution kind"), required=False)
    missing = forms.BooleanField(label=_("Only missing reports"), required=False)

    def __init__(self, *args, fields=("year",), **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
        self.fields["year"].choices = year_choices()
        if "kind" in self.fields:
            # The kinds are public reference data (the directory lists them), not institution data.
            self.fields["kind"].choices = BLANK + [
                (kind.code, kind.label) for kind in InstitutionKind.objects.filter(is_active=True)
            ]
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["data-autosubmit"] = ""

    def values(self) -> dict:
        """The valid filters, the year defaulting to last year; an invalid filter is dropped."""
        self.is_valid()
        data = {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}
        data.setdefault("year", timezone.localdate().year - 1)
        return data
