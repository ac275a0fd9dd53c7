"""Reference data shared by every app: regions (GB/T 2260), countries and the official code lists."""

import pghistory
from django.conf import settings
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from apps.core.places import place_short_name


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Step(models.Model):
    """One step of a record's history: who did what, when, from which state to which, and why.

    Each app's step model adds the foreign key to its record (and its verbose names).
    """

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
    note = models.TextField(_("note"), blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]


class BilingualNameMixin:
    """Shows ``name_en`` when the active language is English, ``name`` (Chinese) otherwise."""

    @property
    def label(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


@pghistory.track()
class Region(BilingualNameMixin, models.Model):
    """An administrative division. Hebei's divisions below the province belong to an assessment unit."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # One of the 14 assessment units (11 cities, 定州, 辛集, 雄安新区); a unit points at itself.
    unit = models.ForeignKey(
        "self",
        verbose_name=_("assessment unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="unit_members",
    )
    is_official = models.BooleanField(_("official GB/T 2260 code"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [models.Index(fields=["unit", "level"])]

    def __str__(self):
        return f"{self.label} ({self.code})"

    @property
    def is_assessment_unit(self) -> bool:
        return self.unit_id == self.code

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def short_name(self) -> str:
        return place_short_name(self.name)


@pghistory.track()
class Country(BilingualNameMixin, models.Model):
    """ISO 3166-1 country, for foreign contract parties."""

    code = models.CharField(_("ISO alpha-2 code"), max_length=2, primary_key=True)
    alpha3 = models.CharField(_("ISO alpha-3 code"), max_length=3, unique=True)
    numeric = models.CharField(_("ISO numeric code"), max_length=3)
    name = models.CharField(_("name"), max_length=128)
    name_en = models.CharField(_("English name"), max_length=128)

    class Meta:
        ordering = ["code"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self):
        return f"{self.label} ({self.code})"


class CodeList(models.TextChoices):
    """The official code lists (DOMAIN.md); their entries are data in ``Code``."""

    CONTRACT_TYPE = "contract_type", _("Contract type")
    CONTRACT_SUBTYPE = "contract_subtype", _("Contract subtype")
    LICENCE_KIND = "licence_kind", _("Licence kind")
    PARTY_TYPE = "party_type", _("Party type")
    TECH_FIELD = "tech_field", _("Technology field")
    PAYMENT_METHOD = "payment_method", _("Payment method")
    PROGRAMME_TIER = "programme_tier", _("Programme tier")
    SOCIOECONOMIC_OBJECTIVE = "socioeconomic_objective", _("Socio-economic objective")
    IP_TYPE = "ip_type", _("Intellectual property type")
    REFUSAL_REASON = "refusal_reason", _("Refusal reason")
    REVOCATION_REASON = "revocation_reason", _("Revocation reason")
    PUSH_FIELD = "push_field", _("Push field")
    MATURITY = "maturity", _("Maturity")
    TRANSFER_MODE = "transfer_mode", _("Transfer mode")
    INSURANCE_PRODUCT = "insurance_product", _("Patent insurance product")


@pghistory.track()
class Code(BilingualNameMixin, models.Model):
    """An entry of an official code list: stored as its code, shown as its label."""

    list = models.CharField(_("code list"), max_length=32, choices=CodeList.choices)
    code = models.CharField(_("code"), max_length=32)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("name"), max_length=128)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    sort = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["list", "sort", "code"]
        verbose_name = _("code")
        verbose_name_plural = _("codes")
        constraints = [models.UniqueConstraint(fields=["list", "code"], name="core_code_unique_per_list")]

    def __str__(self):
        return f"{self.label} ({self.code})"


@pghistory.track()
class CalendarDay(models.Model):
    """An exception to the Monday-to-Friday week in the official calendar (调休).

    A weekday public holiday is stored as not working; a weekend make-up working day as working.
    Every other date is a working day exactly when it falls on Monday to Friday. The province
    maintains the list each year when the State Council publishes the holiday arrangements.
    """

    date = models.DateField(_("date"), primary_key=True)
    is_working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=64, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.note}"


class Notification(models.Model):
    """An in-app notice to one user (a match, a subscription hit, a deal step); emailed in a digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=32)
    title = models.CharField(pgettext_lazy("notification", "title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at"], name="core_notification_unread"),
            models.Index(
                fields=["created_at"], condition=models.Q(emailed_at__isnull=True), name="core_notification_unsent"
            ),
        ]

    def __str__(self):
        return self.title


class OutboxTask(models.Model):
    """A background task to be sent to the workers: written with the change that asks for it,
    deleted once the broker has it (``apps.core.outbox``). Rows that stay are tasks the broker
    could not take (Redis down); ``outbox_flush_task`` sends them when it answers again.
    """

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("queued background task")
        verbose_name_plural = _("queued background tasks")

    def __str__(self):
        return f"{self.task}{tuple(self.args)}"
