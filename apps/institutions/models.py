"""Technology transfer institutions and innovation platforms: their kinds, their filing (备案) and status.

The kinds are data (``InstitutionKind``, loaded from ``fixtures/reference/institution_kinds.csv``
and extendable by the province), because the plan counts many of them and adds more over time.
An institution enters the registry by filing: its host organisation applies, the city bureau
reviews and recommends, the province approves (it is then active) or returns it for correction.
Institutions recognised before the portal are entered as active directly.
"""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.models import BilingualNameMixin, Step, TimeStampedModel


@pghistory.track()
class InstitutionKind(BilingualNameMixin, models.Model):
    code = models.CharField(_("code"), max_length=40, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    plan_task = models.PositiveSmallIntegerField(_("task of the plan"), null=True, blank=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("institution kind")
        verbose_name_plural = _("institution kinds")

    def __str__(self):
        return self.label


class InstitutionLevel(models.TextChoices):
    NATIONAL = "national", _("National level")
    PROVINCIAL = "provincial", _("Provincial level")
    CITY = "city", _("City level")


# "Provincial and above", as the plan's targets count (e.g. 138 provincial+ transfer institutions).
PROVINCIAL_AND_ABOVE = (InstitutionLevel.NATIONAL, InstitutionLevel.PROVINCIAL)


class InstitutionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting the city bureau")
    RECOMMENDED = "recommended", _("Awaiting the province")
    RETURNED = "returned", _("Returned for correction")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


# Filed institutions: in the registry, counted while active.
FILED_STATES = (InstitutionStatus.ACTIVE, InstitutionStatus.SUSPENDED, InstitutionStatus.REVOKED)


@pghistory.track()
class Institution(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    kind = models.ForeignKey(InstitutionKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=16, choices=InstitutionLevel.choices)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="institutions"
    )
    host = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("host organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="institutions",
        help_text=_("The organisation that runs it and files for it."),
    )
    recognised_on = models.DateField(_("recognised on"), null=True, blank=True)
    document_number = models.CharField(_("recognition document number"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=InstitutionStatus.choices, default=InstitutionStatus.DRAFT
    )
    status_note = models.TextField(_("reason given"), blank=True)
    # Public (directory) fields
    description = models.TextField(_("services offered"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    website = models.URLField(_("website"), blank=True)
    public_phone = models.CharField(_("public phone"), max_length=32, blank=True)
    # Private contact of the filing
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        indexes = [models.Index(fields=["status", "kind", "level"]), models.Index(fields=["region", "status"])]
        constraints = [
            # A filed institution has its recognition on record.
            models.CheckConstraint(
                condition=~models.Q(status__in=["active", "suspended", "revoked"])
                | (models.Q(recognised_on__isnull=False) & ~models.Q(document_number="")),
                name="institutions_filed_has_recognition",
            ),
        ]

    def __str__(self):
        return self.name


class InstitutionStep(Step):
    """One step of an institution's filing and status history: who, when, what and why."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="steps")

    class Meta(Step.Meta):
        verbose_name = _("institution step")
        verbose_name_plural = _("institution steps")

    def __str__(self):
        return f"{self.institution_id} {self.action}"


@pghistory.track()
class AnnualReport(TimeStampedModel):
    """What a filed institution did in a year, reported by its host (due each spring for the year before)."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="annual_reports"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    services = models.PositiveIntegerField(_("services provided"))
    deals_brokered = models.PositiveIntegerField(_("deals brokered"))
    deal_value = models.DecimalField(_("value of the deals (yuan)"), max_digits=16, decimal_places=2)
    firms_served = models.PositiveIntegerField(_("firms served"))
    staff = models.PositiveIntegerField(_("staff"))
    summary = models.TextField(pgettext_lazy("annual report", "summary"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["institution", "-year"]
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        constraints = [
            models.UniqueConstraint(fields=["institution", "year"], name="institutions_report_once_a_year"),
            models.CheckConstraint(condition=models.Q(deal_value__gte=0), name="institutions_report_value_positive"),
        ]

    def __str__(self):
        return f"{self.institution} {self.year}"


@pghistory.track()
class Scorecard(models.Model):
    """The weights of the annual evaluation; one scorecard is the default, the province may add others."""

    code = models.CharField(_("code"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    base_conditions = models.PositiveSmallIntegerField(_("weight: base conditions"), default=10)
    service_performance = models.PositiveSmallIntegerField(_("weight: service performance"), default=30)
    capability = models.PositiveSmallIntegerField(_("weight: capability"), default=30)
    management = models.PositiveSmallIntegerField(_("weight: management"), default=20)
    reputation = models.PositiveSmallIntegerField(_("weight: reputation"), default=10)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.CheckConstraint(
                condition=Exact(
                    F("base_conditions")
                    + F("service_performance")
                    + F("capability")
                    + F("management")
                    + F("reputation"),
                    100,
                ),
                name="institutions_scorecard_weights_total_100",
            ),
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="institutions_one_default_scorecard"
            ),
        ]

    def __str__(self):
        return self.name


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


@pghistory.track()
class Evaluation(TimeStampedModel):
    """The annual evaluation of a filed institution with a scorecard.

    The evaluators score base conditions, capability, management and reputation (0-100 each);
    service performance is computed from the registered contracts the institution brokered that
    year (``institution_service_scores``), never typed in. The total is the weighted sum.
    """

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="evaluations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    scorecard = models.ForeignKey(Scorecard, verbose_name=_("scorecard"), on_delete=models.PROTECT, related_name="+")
    base_conditions = models.DecimalField(_("base conditions"), max_digits=5, decimal_places=2)
    service_performance = models.DecimalField(_("service performance"), max_digits=5, decimal_places=2)
    capability = models.DecimalField(_("capability"), max_digits=5, decimal_places=2)
    management = models.DecimalField(_("management"), max_digits=5, decimal_places=2)
    reputation = models.DecimalField(_("reputation"), max_digits=5, decimal_places=2)
    total = models.DecimalField(_("total score"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices)
    contracts_brokered = models.PositiveIntegerField(_("registered contracts brokered"))
    brokered_value = models.DecimalField(_("technology value brokered (yuan)"), max_digits=16, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-year", "-total"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(fields=["institution", "year"], name="institutions_evaluated_once_a_year")
        ]

    def __str__(self):
        return f"{self.institution} {self.year}: {self.total}"


class BrokerTitle(models.TextChoices):
    JUNIOR = "junior", _("Junior")
    INTERMEDIATE = "intermediate", _("Intermediate")
    SENIOR = "senior", _("Senior")


class BrokerRole(models.TextChoices):
    BROKER = "broker", _("Technology broker")
    MANAGER = "manager", _("Technology manager")


@pghistory.track()
class Broker(TimeStampedModel):
    """A technology broker or technology manager (技术经纪人 / 技术经理人), a person with a certificate."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=64)
    role = models.CharField(_("role"), max_length=16, choices=BrokerRole.choices, default=BrokerRole.BROKER)
    title = models.CharField(_("professional title"), max_length=16, choices=BrokerTitle.choices)
    certificate_number = models.CharField(_("certificate number"), max_length=64, unique=True)
    certified_on = models.DateField(_("certified on"))
    affiliation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("affiliation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="brokers",
    )
    region = models.ForeignKey("core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    tech_fields = models.JSONField(_("technology fields"), default=list, blank=True)
    profile = models.TextField(_("public profile"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("broker")
        verbose_name_plural = _("brokers")

    def __str__(self):
        return f"{self.name} ({self.get_title_display()})"


@pghistory.track()
class TrainingRecord(models.Model):
    """A course a broker completed, at a training base (an institution of the kind ``training_base``)."""

    broker = models.ForeignKey(Broker, verbose_name=_("broker"), on_delete=models.PROTECT, related_name="trainings")
    training_base = models.ForeignKey(
        Institution, verbose_name=_("training base"), on_delete=models.PROTECT, related_name="trainings"
    )
    course = models.CharField(_("course"), max_length=200)
    hours = models.PositiveSmallIntegerField(_("hours"))
    completed_on = models.DateField(_("completed on"))

    class Meta:
        ordering = ["-completed_on", "pk"]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        constraints = [models.CheckConstraint(condition=models.Q(hours__gt=0), name="institutions_training_hours")]

    def __str__(self):
        return f"{self.broker} · {self.course}"
