"""The plan's indicators, their targets per year and assessment unit, and the pre-aggregated facts
the dashboards read.

``Indicator`` rows come from ``fixtures/reference/indicators.csv`` (every headline and task target
of BRIEF.md, with its definition). Targets are versioned per indicator and year (``TargetSet``):
a draft is edited, approved once (then it is locked), and superseded by a new version given with a
reason. ``ContractFact`` holds the contract statistics per day, side (output by the seller's
region, absorption by the buyer's), county and counterpart, filled incrementally from the
contracts' history (``FillState`` is the checkpoint) and rebuildable from scratch, so no dashboard
request aggregates raw contracts.
"""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import BilingualNameMixin, TimeStampedModel
from apps.core.storage import private_storage

MONEY = {"max_digits": 18, "decimal_places": 2}


class IndicatorSource(models.TextChoices):
    COMPUTED = "computed", _("Computed from portal data")
    REPORTED = "reported", _("Reported by a responsible body")
    MIXED = "mixed", _("Computed, with a reported denominator")


class IndicatorUnit(models.TextChoices):
    YUAN = "yuan", _("yuan")
    COUNT = "count", _("number")
    PERCENT = "percent", _("%")
    PER_10K_PEOPLE = "per_10k", _("per 10,000 people")


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("At least the target")
    MORE_THAN = "more_than", _("More than the target")


class Decomposition(models.TextChoices):
    """How a provincial target is shared among the 14 units."""

    NONE = "none", _("Provincial only")
    SUM = "sum", _("Unit targets add up to the provincial target")
    EACH = "each", _("Each unit has its own target (not additive)")


@pghistory.track()
class Indicator(BilingualNameMixin, models.Model):
    code = models.CharField(_("code"), max_length=16, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    plan_task = models.CharField(_("task of the plan"), max_length=8, help_text=_("H for a headline target."))
    unit = models.CharField(_("unit"), max_length=16, choices=IndicatorUnit.choices)
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices, default=Direction.AT_LEAST)
    source = models.CharField(_("source"), max_length=16, choices=IndicatorSource.choices)
    # The computation the KPI app runs for a computed indicator (``actuals.COMPUTATIONS``), or empty.
    computation = models.CharField(_("computation"), max_length=200, blank=True)
    responsible = models.CharField(_("responsible body"), max_length=200, blank=True)
    definition = models.TextField(_("definition"))
    definition_en = models.TextField(_("definition (English)"))
    decomposition = models.CharField(
        _("decomposition"), max_length=8, choices=Decomposition.choices, default=Decomposition.NONE
    )
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline_value = models.DecimalField(_("baseline"), null=True, blank=True, **MONEY)
    target_year = models.PositiveSmallIntegerField(_("target year"))
    target_value = models.DecimalField(_("target"), **MONEY)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        return f"{self.code} {self.label}"

    @property
    def definition_label(self) -> str:
        from django.utils.translation import get_language

        return self.definition_en if (get_language() or "").startswith("en") else self.definition


class TargetSetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


@pghistory.track()
class TargetSet(TimeStampedModel):
    """One version of an indicator's targets for a year: the province's and the units'."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="target_sets")
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=16, choices=TargetSetStatus.choices, default=TargetSetStatus.DRAFT
    )
    province_value = models.DecimalField(_("provincial target"), **MONEY)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why this version: required from version 2 on."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["indicator", "-year", "-version"]
        verbose_name = _("target set")
        verbose_name_plural = _("target sets")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year", "version"], name="kpi_target_set_version"),
            # One approved (current) version per indicator and year.
            models.UniqueConstraint(
                fields=["indicator", "year"], condition=Q(status="approved"), name="kpi_target_set_one_approved"
            ),
            # One draft at a time.
            models.UniqueConstraint(
                fields=["indicator", "year"], condition=Q(status="draft"), name="kpi_target_set_one_draft"
            ),
        ]

    def __str__(self):
        return f"{self.indicator_id} {self.year} v{self.version}"


@pghistory.track()
class Target(models.Model):
    target_set = models.ForeignKey(TargetSet, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey(
        "core.Region", verbose_name=_("assessment unit"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(_("target"), **MONEY)

    class Meta:
        ordering = ["unit"]
        verbose_name = _("unit target")
        verbose_name_plural = _("unit targets")
        constraints = [models.UniqueConstraint(fields=["target_set", "unit"], name="kpi_target_unit_once")]

    def __str__(self):
        return f"{self.target_set} {self.unit_id}: {self.value}"


class Side(models.TextChoices):
    OUTPUT = "output", _("Output (by the seller's region)")
    ABSORPTION = "absorption", _("Absorption (by the buyer's region)")


class Counterpart(models.TextChoices):
    """Where the other party of the contract is, seen from the counted side."""

    HEBEI = "hebei", _("Hebei")
    BJ_TJ = "bjtj", _("Beijing or Tianjin")
    CHINA = "china", _("Elsewhere in China")
    ABROAD = "abroad", _("Abroad")


class FactFigures(models.Model):
    """What each facts table holds for its period: the side, the Hebei region and its unit, the
    counterpart, and the count and values of the registered contracts."""

    side = models.CharField(_("side"), max_length=16, choices=Side.choices)
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+")
    counterpart = models.CharField(_("counterpart"), max_length=8, choices=Counterpart.choices)
    count = models.PositiveIntegerField(_("contracts"))
    contract_value = models.DecimalField(_("contract value (yuan)"), **MONEY)
    technology_value = models.DecimalField(_("technology transaction value (yuan)"), **MONEY)

    class Meta:
        abstract = True


class ContractFact(FactFigures):
    """Registered contracts of one day, counted on one side, in one Hebei region, by counterpart.

    A contract between two Hebei parties appears twice (once per side), as output and absorption
    are separate measures (DOMAIN.md); a contract with a Beijing seller and a Hebei buyer appears
    as absorption with counterpart ``bjtj`` (H3's numerator).
    """

    day = models.DateField(_("registration date"))

    class Meta:
        verbose_name = _("contract fact")
        verbose_name_plural = _("contract facts")
        constraints = [
            models.UniqueConstraint(fields=["day", "side", "region", "counterpart"], name="kpi_contract_fact_key")
        ]
        indexes = [models.Index(fields=["side", "unit", "day"], name="kpi_fact_side_unit_day")]

    def __str__(self):
        return f"{self.day} {self.side} {self.region_id} {self.counterpart}"


class ContractFactMonth(FactFigures):
    """``ContractFact`` summed over each calendar month (``month`` is its first day): the series read it.

    Filled from ``ContractFact`` with the yearly table (``apps.kpi.aggregates``); bounded by months ×
    sides × regions × counterparts, not by the number of contracts.
    """

    month = models.DateField(_("month"))

    class Meta:
        verbose_name = _("contract fact of a month")
        verbose_name_plural = _("contract facts of months")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "side", "region", "counterpart"], name="kpi_contract_fact_month_key"
            )
        ]
        indexes = [models.Index(fields=["side", "unit", "month"], name="kpi_fact_month_side_unit")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.side} {self.region_id} {self.counterpart}"


class ContractFactYear(FactFigures):
    """``ContractFact`` summed over each calendar year: what the indicators and the county tables read.

    Filled from ``ContractFact`` by the same rebuild and fill (``apps.kpi.aggregates``). Its size is
    bounded by years × sides × regions × counterparts (some 1,500 rows a year), not by the number of
    contracts, so a province-wide year reads a few thousand rows at any scale.
    """

    year = models.PositiveSmallIntegerField(_("year"))

    class Meta:
        verbose_name = _("contract fact of a year")
        verbose_name_plural = _("contract facts of years")
        constraints = [
            models.UniqueConstraint(fields=["year", "side", "region", "counterpart"], name="kpi_contract_fact_year_key")
        ]
        indexes = [models.Index(fields=["side", "unit", "year"], name="kpi_fact_year_side_unit")]

    def __str__(self):
        return f"{self.year} {self.side} {self.region_id} {self.counterpart}"


class Dimension(models.TextChoices):
    """What a breakdown row groups the contracts by: a code of the contract or of its counted party."""

    CONTRACT_TYPE = "type", _("Contract type")
    TECH_FIELD = "field", _("Technology field")
    PARTY_TYPE = "party_type", _("Party type of the counted side")


class BreakdownFigures(models.Model):
    """What each breakdown table holds for its period: the side, the Hebei region and its unit, one
    code of one dimension, and the count and values of the registered contracts with that code."""

    side = models.CharField(_("side"), max_length=16, choices=Side.choices)
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+")
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    code = models.CharField(_("code"), max_length=8)
    count = models.PositiveIntegerField(_("contracts"))
    contract_value = models.DecimalField(_("contract value (yuan)"), **MONEY)
    technology_value = models.DecimalField(_("technology transaction value (yuan)"), **MONEY)

    class Meta:
        abstract = True


class ContractBreakdownMonth(BreakdownFigures):
    """Registered contracts of a month by contract type, by technology field and by party type.

    The statistics page's breakdowns, which ``ContractFact`` cannot give: it has no such codes, and
    adding them to its key would multiply its rows until they approached the contracts themselves.
    Each dimension is a margin of its own (a contract counts once per dimension and side), so the rows
    are bounded by months × sides × regions × the codes of the three lists. Filled from the raw
    contracts by the same rebuild and fill as the facts (``apps.kpi.aggregates``), per month.
    """

    month = models.DateField(_("month"))

    class Meta:
        verbose_name = _("contract breakdown of a month")
        verbose_name_plural = _("contract breakdowns of months")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "side", "region", "dimension", "code"], name="kpi_breakdown_month_key"
            )
        ]
        indexes = [models.Index(fields=["side", "dimension", "month"], name="kpi_breakdown_month_read")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.side} {self.region_id} {self.dimension} {self.code}"


class ContractBreakdownYear(BreakdownFigures):
    """``ContractBreakdownMonth`` summed over each calendar year: what a year's statistics page reads."""

    year = models.PositiveSmallIntegerField(_("year"))

    class Meta:
        verbose_name = _("contract breakdown of a year")
        verbose_name_plural = _("contract breakdowns of years")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "side", "region", "dimension", "code"], name="kpi_breakdown_year_key"
            )
        ]
        indexes = [models.Index(fields=["side", "dimension", "year"], name="kpi_breakdown_year_read")]

    def __str__(self):
        return f"{self.year} {self.side} {self.region_id} {self.dimension} {self.code}"


class FillState(models.Model):
    """How far a pre-aggregated table has been filled: the last history event it has taken in."""

    name = models.CharField(_("table"), max_length=64, primary_key=True)
    last_event_id = models.BigIntegerField(_("last event processed"), default=0)
    filled_at = models.DateTimeField(_("filled at"), null=True, blank=True)
    rebuilt_at = models.DateTimeField(_("rebuilt at"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)

    class Meta:
        verbose_name = _("fill state")
        verbose_name_plural = _("fill states")

    def __str__(self):
        return f"{self.name} @ {self.last_event_id}"


class ReportedStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting the province")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for correction")


@pghistory.track()
class ReportedValue(TimeStampedModel):
    """A reported indicator's value for a year (and unit, or the province), with its evidence.

    Entered by the responsible bureau, approved by the province; an approved value is locked (as
    an approved period in DHIS2): a correction is a new submission that replaces it once approved.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="reported_values")
    year = models.PositiveSmallIntegerField(_("year"))
    unit = models.ForeignKey(
        "core.Region",
        verbose_name=_("assessment unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for the province as a whole."),
    )
    value = models.DecimalField(_("value"), **MONEY)
    evidence = models.TextField(_("evidence"), help_text=_("The source: a document number, a statistical bulletin."))
    status = models.CharField(
        _("status"), max_length=16, choices=ReportedStatus.choices, default=ReportedStatus.SUBMITTED
    )
    is_current = models.BooleanField(_("current"), default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["indicator", "-year", "-created_at"]
        verbose_name = _("reported value")
        verbose_name_plural = _("reported values")
        constraints = [
            # One current (approved) value per indicator, year and unit (the province: unit empty).
            models.UniqueConstraint(
                fields=["indicator", "year", "unit"],
                condition=Q(is_current=True),
                name="kpi_reported_one_current",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"{self.indicator_id} {self.year} {self.unit_id or 'province'}: {self.value}"


class ReportKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class Report(models.Model):
    """A monthly or quarterly close of the progress for a unit (or the province): a frozen snapshot.

    ``figures`` holds the progress rows as of the period's end and ``file`` their workbook; neither
    changes afterwards. A re-issue (with a reason) is a new version that becomes current; the
    previous versions are kept.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    unit = models.ForeignKey(
        "core.Region",
        verbose_name=_("assessment unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for the province as a whole."),
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current"), default=True)
    reason = models.TextField(_("reason for re-issue"), blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    generated_at = models.DateTimeField(_("generated at"))
    file = models.FileField(_("file"), storage=private_storage, upload_to="kpi/reports/%Y/")
    filename = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("file size"))
    figures = models.JSONField(_("figures"), default=list)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "kind", "unit_id", "-version"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period_start", "unit", "version"],
                name="kpi_report_version_unique",
                nulls_distinct=False,
            ),
            models.UniqueConstraint(
                fields=["kind", "period_start", "unit"],
                condition=Q(is_current=True),
                name="kpi_report_one_current",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.period_start:%Y-%m} {self.unit_id or 'province'} v{self.version}"
