"""Users, the organisations they act for, and their roles (memberships)."""

import pghistory
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.models import TimeStampedModel
from apps.core.validators import validate_credit_code


@pghistory.track(exclude=["password", "last_login"])
class User(AbstractUser):
    display_name = models.CharField(pgettext_lazy("person", "name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.username


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    UNIVERSITY = "university", _("University")
    RESEARCH_INSTITUTE = "research_institute", _("Research institute")
    TRANSFER_INSTITUTION = "transfer_institution", _("Technology transfer institution")
    ST_BUREAU = "st_bureau", _("S&T department or bureau")
    REGISTRATION_OFFICE = "registration_office", _("Contract registration office")
    PLATFORM_OPERATOR = "platform_operator", _("Platform operator")
    OTHER = "other", _("Other")


class OrganisationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting activation")
    ACTIVE = "active", pgettext_lazy("organisation", "Active")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")


@pghistory.track()
class Organisation(TimeStampedModel):
    name = models.CharField(_("name"), max_length=128)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    party_type = models.CharField(_("party type"), max_length=8, blank=True, help_text=_("Code list: party type."))
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="organisations"
    )
    country = models.ForeignKey(
        "core.Country", verbose_name=_("country"), on_delete=models.PROTECT, default="CN", related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=OrganisationStatus.choices, default=OrganisationStatus.PENDING
    )
    status_reason = models.TextField(_("reason for the status"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="accounts_org_credit_code_unique"
            ),
            # Chinese organisations are identified by their credit code; foreign ones by name and country.
            models.CheckConstraint(
                condition=~Q(credit_code="") | ~Q(country="CN"), name="accounts_org_domestic_has_credit_code"
            ),
        ]
        indexes = [models.Index(fields=["region", "kind", "status"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("accounts:organisation_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status == OrganisationStatus.ACTIVE


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("Provincial administrator")
    CITY_OFFICIAL = "city_official", _("City official")
    COUNTY_OFFICIAL = "county_official", _("County official")
    REGISTRAR = "registrar", _("Registrar")
    APPROVER = "approver", _("Large-amount approver")
    ENTERPRISE = "enterprise", _("Enterprise user")
    UNIVERSITY = "university", _("University or institute user")
    INSTITUTION = "institution", _("Transfer institution user")
    BROKER = "broker", _("Technology broker")


# Which organisation kinds may hold each role; the region scope of a role is its organisation's region.
ROLE_ORGANISATION_KINDS = {
    Role.PROVINCE_ADMIN: {OrganisationKind.ST_BUREAU},
    Role.CITY_OFFICIAL: {OrganisationKind.ST_BUREAU},
    Role.COUNTY_OFFICIAL: {OrganisationKind.ST_BUREAU},
    Role.REGISTRAR: {OrganisationKind.REGISTRATION_OFFICE},
    Role.APPROVER: {OrganisationKind.REGISTRATION_OFFICE},
    Role.ENTERPRISE: {OrganisationKind.ENTERPRISE, OrganisationKind.PLATFORM_OPERATOR, OrganisationKind.OTHER},
    Role.UNIVERSITY: {OrganisationKind.UNIVERSITY, OrganisationKind.RESEARCH_INSTITUTE},
    Role.INSTITUTION: {OrganisationKind.TRANSFER_INSTITUTION},
    Role.BROKER: {OrganisationKind.TRANSFER_INSTITUTION, OrganisationKind.ENTERPRISE, OrganisationKind.OTHER},
}
OFFICIAL_ROLES = {Role.PROVINCE_ADMIN, Role.CITY_OFFICIAL, Role.COUNTY_OFFICIAL}


@pghistory.track()
class Membership(TimeStampedModel):
    """A user acting for an organisation in a role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["organisation__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="accounts_membership_unique")
        ]

    def __str__(self):
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


# The audit trail records when two-factor was turned on, off or reset, never the secret, and not
# each login's time step (which changes at every login).
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["secret", "last_used_step"],
)
class TwoFactorDevice(models.Model):
    """A user's TOTP authenticator (RFC 6238): pending until confirmed with a code, then asked at each login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="two_factor"
    )
    secret = models.CharField(_("secret"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("turned on at"), null=True, blank=True)
    # The latest 30-second time step whose code was accepted: a code of that step or an earlier one
    # is refused, so an observed code cannot be used again.
    last_used_step = models.BigIntegerField(_("last time step used"), default=0)
    recovery_codes_made_at = models.DateTimeField(_("recovery codes made at"), null=True, blank=True)
    recovery_code_used_at = models.DateTimeField(_("recovery code last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("two-factor authenticator")
        verbose_name_plural = _("two-factor authenticators")

    def __str__(self):
        return str(self.user)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class TwoFactorRecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator (a lost phone); only its hash is kept."""

    device = models.ForeignKey(
        TwoFactorDevice, verbose_name=_("authenticator"), on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(_("hash of the code"), max_length=64)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [models.UniqueConstraint(fields=["device", "code_hash"], name="accounts_recovery_code_unique")]

    def __str__(self):
        return f"{self.device} · {self.pk}"
