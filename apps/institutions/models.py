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
from django.utils.translation import gettext_lazy as _

from apps.core.models import BilingualNameMixin, TimeStampedModel


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


class InstitutionStep(models.Model):
    """One step of an institution's filing and status history: who, when, what and why."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="steps")
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
        ordering = ["at", "pk"]
        verbose_name = _("institution step")
        verbose_name_plural = _("institution steps")

    def __str__(self):
        return f"{self.institution_id} {self.action}"
