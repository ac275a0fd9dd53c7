"""Subsidy programmes (plan tasks 3 and 12) and the applications made under them.

A ``Programme`` says who may apply, for what, in which window, with which budget (and its
allocation to the assessment units). Its award formula is a list of ``ProgrammeRule`` rows with
dates of effect: the rule in force on the date of the subsidised event (a contract's registration,
an insurance policy's start) applies. An ``Application`` names the applicant's registered contracts
(or its patent insurance policies) as ``ApplicationItem`` rows, each with the amount computed by the
rule and the calculation written out. Review runs applicant → city bureau → province → public
notice (objections) → award → payments → closed, each step an ``ApplicationStep``.

Double subsidy is impossible by construction: an active item holds a unique key (the programme and
the contract; or the patent and the insurance product, across programmes) until its application
is rejected or withdrawn.
"""

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.models import Step, TimeStampedModel
from apps.core.storage import private_storage

MONEY = {"max_digits": 16, "decimal_places": 2}


class ProgrammeKind(models.TextChoices):
    TRANSACTION_BUYER = "transaction_buyer", _("Technology transaction subsidy for buyers")
    TRANSACTION_SELLER = "transaction_seller", _("Technology transaction subsidy for sellers")
    TRANSACTION_INTERMEDIARY = "transaction_intermediary", _("Technology transaction subsidy for intermediaries")
    TRANSACTION_PLATFORM = "transaction_platform", _("Technology transaction subsidy for platform operators")
    PATENT_INSURANCE = "patent_insurance", _("Patent insurance premium subsidy")
    OTHER = "other", _("Other subsidy")


TRANSACTION_KINDS = (
    ProgrammeKind.TRANSACTION_BUYER,
    ProgrammeKind.TRANSACTION_SELLER,
    ProgrammeKind.TRANSACTION_INTERMEDIARY,
    ProgrammeKind.TRANSACTION_PLATFORM,
)


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Published")
    CLOSED = "closed", _("Closed to applications")


@pghistory.track()
class Programme(TimeStampedModel):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=ProgrammeKind.choices)
    description = models.TextField(_("description"), blank=True)
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT
    )
    applicant_kinds = ArrayField(
        models.CharField(max_length=32),
        verbose_name=_("organisation kinds that may apply"),
        default=list,
        help_text=_("Kinds of organisation (enterprise, university...) that may apply."),
    )
    window_opens = models.DateField(_("applications open"))
    window_closes = models.DateField(_("applications close"))
    # The subsidised events must fall in this period (contracts registered, policies started).
    period_from = models.DateField(_("events from"))
    period_until = models.DateField(_("events until"))
    budget = models.DecimalField(_("total budget (yuan)"), validators=[MinValueValidator(0)], **MONEY)
    notice_working_days = models.PositiveSmallIntegerField(
        _("public notice (working days)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )

    class Meta:
        ordering = ["-window_opens", "code"]
        verbose_name = _("subsidy programme")
        verbose_name_plural = _("subsidy programmes")
        constraints = [
            models.CheckConstraint(condition=Q(window_closes__gte=models.F("window_opens")), name="programme_window"),
            models.CheckConstraint(condition=Q(period_until__gte=models.F("period_from")), name="programme_period"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_transaction(self) -> bool:
        return self.kind in TRANSACTION_KINDS


@pghistory.track()
class ProgrammeRule(models.Model):
    """The award formula from ``effective_from`` until the next rule of the programme takes effect.

    Transaction subsidies: ``rate`` × the confirmed technology transaction value, at most
    ``per_item_cap`` per contract, and at most ``per_applicant_cap`` per applicant in the programme;
    contracts below ``min_value`` are not eligible. Insurance subsidies: ``rate`` × the first-year
    premium (1.00 = in full), capped likewise per policy and per applicant.
    """

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="rules")
    effective_from = models.DateField(_("in effect from"))
    rate = models.DecimalField(
        _("rate"),
        max_digits=6,
        decimal_places=4,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("A fraction: 0.0300 is 3 %, 1.0000 is in full."),
    )
    per_item_cap = models.DecimalField(
        _("cap per contract or policy (yuan)"), null=True, blank=True, validators=[MinValueValidator(0)], **MONEY
    )
    per_applicant_cap = models.DecimalField(
        _("cap per applicant (yuan)"), null=True, blank=True, validators=[MinValueValidator(0)], **MONEY
    )
    min_value = models.DecimalField(
        _("smallest eligible value (yuan)"), default=0, validators=[MinValueValidator(0)], **MONEY
    )
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["programme", "effective_from"]
        verbose_name = _("award rule")
        verbose_name_plural = _("award rules")
        constraints = [
            models.UniqueConstraint(fields=["programme", "effective_from"], name="programme_rule_unique_date")
        ]

    def __str__(self):
        return f"{self.programme_id} {self.effective_from}"


@pghistory.track()
class Allocation(models.Model):
    """The part of a programme's budget set aside for one assessment unit's applicants."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="allocations")
    unit = models.ForeignKey(
        "core.Region", verbose_name=_("assessment unit"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("allocation (yuan)"), validators=[MinValueValidator(0)], **MONEY)

    class Meta:
        ordering = ["programme", "unit"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [models.UniqueConstraint(fields=["programme", "unit"], name="allocation_unique_unit")]

    def __str__(self):
        return f"{self.programme_id} {self.unit_id}"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting the city bureau")
    RETURNED = "returned", _("Returned for more information")
    RECOMMENDED = "recommended", _("Awaiting the province")
    IN_NOTICE = "in_notice", _("In public notice")
    AWARDED = "awarded", _("Awarded")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The states in which an application holds budget (committed): from approval to its end.
COMMITTED_STATES = (ApplicationStatus.IN_NOTICE, ApplicationStatus.AWARDED, ApplicationStatus.CLOSED)
# The states in which its items hold their contract or policy against another application.
ENDED_STATES = (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN)


@pghistory.track()
class Application(TimeStampedModel):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "core.Region", verbose_name=_("assessment unit"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    computed_amount = models.DecimalField(_("computed award (yuan)"), default=0, **MONEY)
    award_amount = models.DecimalField(_("award (yuan)"), null=True, blank=True, **MONEY)
    paid_amount = models.DecimalField(_("paid (yuan)"), default=0, **MONEY)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    bank_account_name = models.CharField(_("account name"), max_length=200, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=64, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    notice_from = models.DateField(_("public notice from"), null=True, blank=True)
    notice_until = models.DateField(_("public notice until"), null=True, blank=True)
    status_note = models.TextField(_("reason given"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("subsidy application")
        verbose_name_plural = _("subsidy applications")
        constraints = [
            models.CheckConstraint(condition=Q(paid_amount__gte=0), name="application_paid_not_negative"),
            models.CheckConstraint(
                condition=Q(award_amount__isnull=True) | Q(paid_amount__lte=models.F("award_amount")),
                name="application_paid_within_award",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "status"], name="application_programme_status"),
            models.Index(fields=["unit", "status"], name="application_unit_status"),
            models.Index(fields=["applicant", "status"], name="application_applicant_status"),
        ]

    def __str__(self):
        return f"{self.programme} · {self.applicant}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("subsidies:detail", args=[self.pk])


@pghistory.track()
class ApplicationItem(models.Model):
    """One subsidised contract or insurance policy, with the amount computed for it and how."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="items")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("holds its contract or policy"), default=True)
    contract = models.ForeignKey(
        "contracts.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="subsidy_items"
    )
    # A patent insurance policy, with the premium evidence as a file of the application.
    patent_number = models.CharField(_("patent number"), max_length=20, blank=True)
    insurance_product = models.CharField(_("insurance product"), max_length=32, blank=True)
    insurer = models.CharField(_("insurer"), max_length=200, blank=True)
    policy_number = models.CharField(_("policy number"), max_length=64, blank=True)
    policy_start = models.DateField(_("policy start"), null=True, blank=True)
    premium = models.DecimalField(_("first-year premium (yuan)"), null=True, blank=True, **MONEY)
    # The computation: base × rate, capped; the rule in force on ``event_date``.
    event_date = models.DateField(_("date of the subsidised event"))
    base = models.DecimalField(_("base (yuan)"), **MONEY)
    rule = models.ForeignKey(ProgrammeRule, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    calculation = models.JSONField(_("calculation"), default=dict)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("application item")
        verbose_name_plural = _("application items")
        constraints = [
            models.CheckConstraint(
                condition=Q(contract__isnull=False) | ~Q(patent_number=""), name="application_item_has_subject"
            ),
            # Once per contract and programme ...
            models.UniqueConstraint(
                fields=["programme", "contract"],
                condition=Q(is_active=True, contract__isnull=False),
                name="application_item_contract_once",
            ),
            # ... and once per patent and insurance product, whatever the programme.
            models.UniqueConstraint(
                fields=["patent_number", "insurance_product"],
                condition=Q(is_active=True) & ~Q(patent_number=""),
                name="application_item_policy_once",
            ),
        ]

    def __str__(self):
        return f"{self.application_id}: {self.amount}"


class ApplicationFile(models.Model):
    """Evidence: premium receipts, policies, invoices (PDF, private)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="files")
    description = models.CharField(_("description"), max_length=200)
    file = models.FileField(_("file"), storage=private_storage, upload_to="subsidies/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("file size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self):
        return self.name


class ApplicationStep(Step):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="steps")

    class Meta(Step.Meta):
        verbose_name = _("application step")
        verbose_name_plural = _("application steps")

    def __str__(self):
        return f"{self.application_id} {self.action}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("objection", "Open")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


@pghistory.track()
class Objection(models.Model):
    """An objection filed during the public notice; the award waits until every one is resolved."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="objections")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    text = models.TextField(_("objection"))
    status = models.CharField(_("status"), max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["filed_at", "pk"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self):
        return f"{self.application_id}: {self.status}"


@pghistory.track()
class Payment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount (yuan)"), validators=[MinValueValidator(0)], **MONEY)
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("payment reference"), max_length=64)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
            models.UniqueConstraint(fields=["application", "reference"], name="payment_reference_unique"),
        ]

    def __str__(self):
        return f"{self.application_id}: {self.amount}"
