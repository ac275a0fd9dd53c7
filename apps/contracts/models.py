"""Technology contracts, the offices that register them, and everything recorded along the way.

A contract row is one *version* of a contract: a change after registration (变更) writes a new
version that is reviewed again, and the old one stays, marked as changed. Party details are
copied onto the record when it is submitted, so statistics and certificates say what was
declared even when an organisation later moves or renames, and so that contracts registered
outside Hebei (imported, ``is_external``) can name sellers who have no account here.
"""

import secrets
from decimal import Decimal

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.core.storage import private_storage

MONEY = {"max_digits": 16, "decimal_places": 2}
ZERO = Decimal("0.00")


# 16 characters from an alphabet without look-alikes, 80 bits: unguessable, easy to type.
VERIFICATION_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
VERIFICATION_LENGTH = 16


# What the lists' word search (``q``) looks in: the names of the contract and of both parties, the
# registration number and both credit codes, upper-cased. One expression, so that one trigram index
# serves the whole search (``contracts_search_trgm``); the filter must use this very expression.
SEARCH_TEXT_FIELDS = (
    "name",
    "seller_name",
    "buyer_name",
    "registration_number",
    "seller_credit_code",
    "buyer_credit_code",
)


def contract_search_text():
    parts = []
    for name in SEARCH_TEXT_FIELDS:
        parts.extend([models.F(name), Value(" ")])
    return Upper(Concat(*parts[:-1]))


def new_verification_code() -> str:
    return "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(VERIFICATION_LENGTH))


@pghistory.track()
class RuleVersion(models.Model):
    """A version of the national registration rules, as data: deadlines, thresholds, tax relief."""

    code = models.CharField(_("code"), max_length=16, primary_key=True)
    name = models.CharField(_("name"), max_length=128)
    effective_from = models.DateField(_("effective from"), unique=True)
    decision_days = models.PositiveSmallIntegerField(_("working days to decide"))
    second_review_days = models.PositiveSmallIntegerField(_("working days to decide with a second review"))
    second_review_threshold = models.DecimalField(_("second review from (technology value, yuan)"), **MONEY)
    tax_exempt_amount = models.DecimalField(_("income tax exempt per year (yuan)"), **MONEY)
    tax_excess_rate = models.DecimalField(_("share of the excess that is taxed"), max_digits=4, decimal_places=2)
    tax_subtypes = models.JSONField(_("contract subtypes that qualify for income tax relief"), default=list)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")

    def __str__(self):
        return self.name


@pghistory.track()
class RegistrationOffice(TimeStampedModel):
    """A technology contract registration point (登记点), run by a registration-office organisation.

    It covers a region (an assessment unit with its counties, or one county), or the organisations
    it is attached to (a university's or institute's own office), or both.
    """

    organisation = models.OneToOneField(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="registration_office",
    )
    code = models.CharField(
        _("office code"),
        max_length=4,
        unique=True,
        validators=[RegexValidator(r"^\d{4}$", _("The office code is four digits: city and registration point."))],
        help_text=_("Digits 3-4 of the city code, then the registration point; part of every registration number."),
    )
    covers_region = models.ForeignKey(
        "core.Region",
        verbose_name=_("covers region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registration_offices",
    )
    covers_organisations = models.ManyToManyField(
        "accounts.Organisation", verbose_name=_("covers organisations"), blank=True, related_name="covering_offices"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("registration office")
        verbose_name_plural = _("registration offices")

    def __str__(self):
        return f"{self.organisation.name} ({self.code})"


class RegistrationSerial(models.Model):
    """The last serial number an office issued in a year; locked row by row while a number is taken."""

    office = models.ForeignKey(RegistrationOffice, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "year"], name="contracts_serial_unique")]

    def __str__(self):
        return f"{self.office_id}/{self.year}: {self.last}"


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    UNDER_REVIEW = "under_review", _("Under review")
    SECOND_REVIEW = "second_review", _("Second review")
    REGISTERED = "registered", _("Registered")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CHANGED = "changed", _("Replaced by a change")
    CANCELLED = "cancelled", _("Cancelled")
    REVOKED = "revoked", _("Revoked")


# States in which the registration office has the contract in hand and a deadline runs.
REVIEW_STATES = (ContractStatus.SUBMITTED, ContractStatus.UNDER_REVIEW, ContractStatus.SECOND_REVIEW)
# States that count in statistics: registered, including those later changed (the change replaces the
# figures from its own registration on) -- statistics read only the current version, see selectors.
EDITABLE_STATES = (ContractStatus.DRAFT, ContractStatus.RETURNED)


class ContractQuerySet(models.QuerySet):
    def registered(self):
        return self.filter(status=ContractStatus.REGISTERED)


@pghistory.track()
class Contract(TimeStampedModel):
    # Identity and versions
    seller = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("seller"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts_sold",
        help_text=_("The submitting organisation; empty for records registered outside Hebei."),
    )
    office = models.ForeignKey(
        RegistrationOffice,
        verbose_name=_("registration office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("previous version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changes",
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    rule_version = models.ForeignKey(
        RuleVersion, verbose_name=_("rule version"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # The contract
    name = models.CharField(_("project name"), max_length=200)
    contract_type = models.CharField(_("contract type"), max_length=8)
    subtype = models.CharField(_("subtype"), max_length=8)
    licence_kind = models.CharField(_("licence kind"), max_length=16, blank=True)
    tech_field = models.CharField(_("technology field"), max_length=8)
    programme_tier = models.CharField(_("programme tier"), max_length=8)
    socioeconomic_objective = models.CharField(_("socio-economic objective"), max_length=8)
    payment_method = models.CharField(_("payment method"), max_length=8)
    signed_on = models.DateField(_("signing date"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    contract_value = models.DecimalField(_("contract value (yuan)"), validators=[MinValueValidator(ZERO)], **MONEY)
    technology_value = models.DecimalField(
        _("technology transaction value (yuan)"),
        validators=[MinValueValidator(ZERO)],
        help_text=_("The contract value less the deductions; recomputed whenever they change."),
        **MONEY,
    )
    confirmed_technology_value = models.DecimalField(
        _("confirmed technology transaction value (yuan)"), null=True, blank=True, **MONEY
    )
    expected_investment = models.DecimalField(
        _("expected new investment (yuan)"), null=True, blank=True, validators=[MinValueValidator(ZERO)], **MONEY
    )
    expected_output = models.DecimalField(
        _("expected new output (yuan)"), null=True, blank=True, validators=[MinValueValidator(ZERO)], **MONEY
    )
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    broker = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("intermediary institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts_brokered",
    )
    brokers = models.ManyToManyField(
        "institutions.Broker", verbose_name=_("technology brokers"), blank=True, related_name="contracts"
    )
    # The marketplace listings the contract realises: registering it closes the loop (achievements app).
    achievement = models.ForeignKey(
        "achievements.Achievement",
        verbose_name=_("achievement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    need = models.ForeignKey(
        "achievements.Need",
        verbose_name=_("technology need"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )

    # The seller as declared (copied from the organisation, or imported). ``*_region`` is the most
    # precise region the portal holds (outside Hebei: the province); ``*_region_code`` is as declared.
    seller_name = models.CharField(_("seller name"), max_length=200)
    seller_credit_code = models.CharField(_("seller credit code"), max_length=18, blank=True)
    seller_region = models.ForeignKey(
        "core.Region",
        verbose_name=_("seller region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    seller_region_code = models.CharField(_("seller region code (GB/T 2260)"), max_length=6, blank=True)
    seller_country = models.ForeignKey(
        "core.Country", verbose_name=_("seller country"), default="CN", on_delete=models.PROTECT, related_name="+"
    )
    seller_party_type = models.CharField(_("seller party type"), max_length=8, blank=True)

    # The buyer as declared: any organisation in Hebei, elsewhere in China, or abroad
    buyer = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("buyer organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts_bought",
    )
    buyer_name = models.CharField(_("buyer name"), max_length=200)
    buyer_credit_code = models.CharField(_("buyer credit code"), max_length=18, blank=True)
    buyer_region = models.ForeignKey(
        "core.Region", verbose_name=_("buyer region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    buyer_region_code = models.CharField(_("buyer region code (GB/T 2260)"), max_length=6, blank=True)
    buyer_country = models.ForeignKey(
        "core.Country", verbose_name=_("buyer country"), default="CN", on_delete=models.PROTECT, related_name="+"
    )
    buyer_party_type = models.CharField(_("buyer party type"), max_length=8)

    # The contract text: a PDF in private storage, served only through a permission check
    attachment = models.FileField(
        _("contract text (PDF)"), storage=private_storage, upload_to="contracts/%Y/%m/", blank=True
    )
    attachment_name = models.CharField(_("file name"), max_length=200, blank=True)
    attachment_size = models.PositiveIntegerField(_("file size"), null=True, blank=True)
    attachment_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    # The workflow
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    decision_due = models.DateField(_("decision due"), null=True, blank=True)
    second_review = models.BooleanField(_("second review"), default=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=16, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    verification_code = models.CharField(_("verification code"), max_length=16, blank=True)
    refusal_reason = models.CharField(_("refusal reason"), max_length=16, blank=True)
    revocation_reason = models.CharField(_("revocation reason"), max_length=16, blank=True)
    status_note = models.TextField(_("reason given"), blank=True)

    # Records registered elsewhere and imported from the national exchange
    is_external = models.BooleanField(_("registered outside Hebei"), default=False)
    external_source = models.CharField(_("source"), max_length=32, blank=True)
    external_id = models.CharField(_("source record id"), max_length=64, blank=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("technology contract")
        verbose_name_plural = _("technology contracts")
        constraints = [
            models.CheckConstraint(
                condition=Q(technology_value__lte=models.F("contract_value")),
                name="contracts_technology_value_within_contract_value",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_technology_value__isnull=True)
                | Q(confirmed_technology_value__lte=models.F("contract_value")),
                name="contracts_confirmed_value_within_contract_value",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")), name="contracts_validity_ordered"
            ),
            models.CheckConstraint(
                condition=Q(is_external=True) | Q(seller__isnull=False), name="contracts_internal_has_seller"
            ),
            # A registration number belongs to one contract; its versions share it.
            models.UniqueConstraint(
                fields=["registration_number", "version"],
                condition=~Q(registration_number=""),
                name="contracts_number_unique_per_version",
            ),
            models.UniqueConstraint(
                fields=["verification_code"], condition=~Q(verification_code=""), name="contracts_verification_unique"
            ),
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=Q(is_external=True),
                name="contracts_external_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "registered_on"]),
            models.Index(fields=["office", "status", "decision_due"]),
            models.Index(fields=["seller", "status"]),
            models.Index(fields=["seller_region", "registered_on"]),
            models.Index(fields=["buyer_region", "registered_on"]),
            # The lists' default order (newest first): a page is an index scan, not a sort of the table.
            models.Index(fields=["created_at", "id"], name="contracts_created_idx"),
            # A seller's own list, newest first: its page and its count without a sort.
            models.Index(fields=["seller", "created_at", "id"], name="contracts_seller_created_idx"),
            # The other orders the lists offer, each with the lists' tie-break on id, for the same reason.
            models.Index(fields=["contract_value", "id"], name="contracts_value_idx"),
            models.Index(fields=["technology_value", "id"], name="contracts_tech_value_idx"),
            models.Index(fields=["registered_on", "id"], name="contracts_registered_idx"),
            models.Index(fields=["submitted_at", "id"], name="contracts_submitted_idx"),
            # The lists' word search (``contract_search_text``): trigrams, so that a search for part of
            # a name, a registration number or a credit code does not read the whole table.
            GinIndex(OpClass(contract_search_text(), name="gin_trgm_ops"), name="contracts_search_trgm"),
        ]

    def __str__(self):
        return self.registration_number or self.name

    def get_absolute_url(self):
        return reverse("contracts:detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES and not self.is_external

    @property
    def is_foreign_related(self) -> bool:
        return self.buyer_country_id != "CN" or self.seller_country_id != "CN"

    @property
    def value_for_statistics(self) -> Decimal:
        """The technology value the office confirmed, or the declared one before confirmation."""
        if self.confirmed_technology_value is not None:
            return self.confirmed_technology_value
        return self.technology_value


class DeductionKind(models.TextChoices):
    EQUIPMENT = "equipment", _("Equipment")
    INSTRUMENTS = "instruments", _("Instruments")
    PARTS = "parts", _("Parts")
    MATERIALS = "materials", _("Raw materials beyond the carriers")
    OTHER = "other", _("Other non-technical cost")


@pghistory.track()
class Deduction(models.Model):
    """A non-technical cost that the technology transaction value leaves out."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="deductions"
    )
    kind = models.CharField(_("cost type"), max_length=16, choices=DeductionKind.choices)
    description = models.CharField(_("description"), max_length=200)
    amount = models.DecimalField(_("amount (yuan)"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("deduction")
        verbose_name_plural = _("deductions")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="contracts_deduction_positive")]

    def __str__(self):
        return f"{self.description}: {self.amount}"


@pghistory.track()
class IPItem(models.Model):
    """A piece of intellectual property the contract concerns (patent number, software registration...)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="ip_items"
    )
    ip_type = models.CharField(_("IP type"), max_length=16)
    number = models.CharField(_("number"), max_length=32, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("IP item")
        verbose_name_plural = _("IP items")

    def __str__(self):
        return self.number or self.title


class WorkflowEvent(models.Model):
    """One step of a contract's history: who did what, when, and why. Never edited or deleted."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="workflow_events")
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason_code = models.CharField(_("reason"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("workflow event")
        verbose_name_plural = _("workflow events")

    def __str__(self):
        return f"{self.contract_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class IncomeStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


@pghistory.track()
class IncomeConfirmation(TimeStampedModel):
    """技术性收入核定: the technical income the seller actually received in a year, confirmed by the office."""

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="incomes")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("technical income received (yuan)"), validators=[MinValueValidator(ZERO)], **MONEY)
    confirmed_amount = models.DecimalField(_("confirmed amount (yuan)"), null=True, blank=True, **MONEY)
    status = models.CharField(_("status"), max_length=16, choices=IncomeStatus.choices, default=IncomeStatus.FILED)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["contract", "year"]
        verbose_name = _("technical income confirmation")
        verbose_name_plural = _("technical income confirmations")
        constraints = [
            # One live filing per contract and year; a rejected one may be filed again.
            models.UniqueConstraint(
                fields=["contract", "year"], condition=~Q(status="rejected"), name="contracts_income_once_per_year"
            ),
        ]

    def __str__(self):
        return f"{self.contract} {self.year}: {self.amount}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Imported")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")


class ContractImport(TimeStampedModel):
    """One upload of an exchange file, imported in the background (a file of 50,000 rows takes about a minute).

    The file is kept (private storage) as the record of what was imported; ``errors`` holds the
    row-numbered list of a rejected file.
    """

    source = models.CharField(_("source"), max_length=32)
    filename = models.CharField(_("file name"), max_length=200)
    file = models.FileField(_("file"), storage=private_storage, upload_to="imports/%Y/%m/")
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("records added"), default=0)
    updated = models.PositiveIntegerField(_("records updated"), default=0)
    unchanged = models.PositiveIntegerField(_("records unchanged"), default=0)
    message = models.TextField(_("message"), blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("contract import")
        verbose_name_plural = _("contract imports")

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED)


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


EXPORT_OPEN_STATES = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class ContractExport(TimeStampedModel):
    """An official's download of the contracts a search matched, written in the background.

    A province-wide search can match hundreds of thousands of contracts, too many to write within
    a request. ``filters`` are the search's filters as asked; ``scope`` the requester's grants at
    that moment (role, organisation, region), which they must still hold when the file is written
    and when it is downloaded. The file (private storage) is deleted at ``expires_at``.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    scope = models.JSONField(_("scope"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows to write"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), storage=private_storage, upload_to="exports/%Y/%m/", blank=True)
    message = models.TextField(_("message"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("contract export")
        verbose_name_plural = _("contract exports")
        constraints = [
            # One export in hand per user: a province-wide one is minutes of a worker's time.
            models.UniqueConstraint(
                fields=["requested_by"],
                condition=Q(status__in=["queued", "running"]),
                name="contracts_export_one_open_per_user",
            ),
        ]
        indexes = [
            models.Index(fields=["requested_by", "-created_at", "-id"], name="contracts_export_mine_idx"),
            models.Index(fields=["expires_at"], condition=Q(status="done"), name="contracts_export_expiry_idx"),
        ]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("contracts:export", args=[self.pk])

    @property
    def filename(self) -> str:
        return f"contracts-{self.created_at:%Y%m%d-%H%M}-{self.pk}.xlsx" if self.created_at else "contracts.xlsx"

    @property
    def is_finished(self) -> bool:
        return self.status not in EXPORT_OPEN_STATES

    @property
    def percent(self) -> int:
        if self.status in (ExportStatus.DONE, ExportStatus.EXPIRED):
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)

    @property
    def percent_step(self) -> int:
        """The percentage in steps of 5, for the progress bar's width class (no inline style: the CSP)."""
        return self.percent // 5 * 5
