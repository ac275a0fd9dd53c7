"""Achievements (科技成果), technology needs (技术需求), their matches, the deals that follow, and
the curated packages and catalogue the province and cities publish.

Universities, institutes and enterprises publish achievements; enterprises publish needs. Both
are reviewed by the publisher's own unit (a unit user other than the author approves) before they
are public. A listing's ``search_vector`` holds its Chinese text segmented into words (see
``search.py``), so PostgreSQL's full-text search ranks it without an external search server.
``Match`` rows are the precision push: the ranked achievements for each need (and so the needs for
each achievement), with the score's reasons; a registered contract that names the achievement and
the need marks the match a success and the achievement transferred.
"""

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.models import Step, TimeStampedModel
from apps.core.storage import private_storage

MONEY = {"max_digits": 16, "decimal_places": 2}


class AchievementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting unit review")
    RETURNED = "returned", _("Returned for correction")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    TRANSFERRED = "transferred", _("Transferred")


class NeedStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting unit review")
    RETURNED = "returned", _("Returned for correction")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    FULFILLED = "fulfilled", _("Fulfilled")
    EXPIRED = "expired", _("Expired")


class IPStatus(models.TextChoices):
    NONE = "none", _("No intellectual property")
    APPLIED = "applied", _("Applied for")
    GRANTED = "granted", _("Granted")


class Listing(TimeStampedModel):
    """What achievements and needs share: who publishes, the categories matching reads, the review."""

    publisher = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("publisher"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    tech_field = models.CharField(_("technology field"), max_length=8)
    push_fields = ArrayField(models.CharField(max_length=32), verbose_name=_("push fields"), default=list, blank=True)
    keywords = ArrayField(models.CharField(max_length=32), verbose_name=_("keywords"), default=list, blank=True)
    region = models.ForeignKey("core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    transfer_modes = ArrayField(
        models.CharField(max_length=16), verbose_name=_("transfer modes"), default=list, blank=True
    )
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    status_note = models.TextField(_("reason given"), blank=True)
    # Imported from another platform of the Beijing-Tianjin-Hebei exchange (docs/achievements-exchange.md)
    external_source = models.CharField(_("source"), max_length=32, blank=True)
    external_id = models.CharField(_("source record id"), max_length=64, blank=True)
    # Segmented Chinese text, weighted: A title and keywords, B summary, C the rest (search.py)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self):
        return self.title


@pghistory.track(exclude=["search_vector"])
class Achievement(Listing):
    status = models.CharField(
        _("status"), max_length=16, choices=AchievementStatus.choices, default=AchievementStatus.DRAFT
    )
    lead_unit = models.CharField(_("lead unit"), max_length=200)
    team = models.TextField(_("team"), blank=True)
    summary = models.TextField(_("summary"))
    advantage = models.TextField(
        _("advantage over the state of the art"),
        help_text=_("What it does better than the technology in use today, with figures where you have them."),
    )
    commercial_route = models.TextField(
        _("commercial route"),
        help_text=_("Who would buy the product or service, and how the buyer of the technology earns from it."),
    )
    application_fields = models.TextField(_("application fields"), blank=True)
    maturity = models.CharField(_("maturity"), max_length=16)
    ip_type = models.CharField(_("intellectual property type"), max_length=16, default="none")
    ip_numbers = ArrayField(
        models.CharField(max_length=20), verbose_name=_("patent or registration numbers"), default=list, blank=True
    )
    ip_status = models.CharField(_("IP status"), max_length=8, choices=IPStatus.choices, default=IPStatus.NONE)
    price = models.DecimalField(
        _("asking price (yuan)"), null=True, blank=True, validators=[MinValueValidator(0)], **MONEY
    )
    negotiable = models.BooleanField(_("price negotiable"), default=False)
    transferred_at = models.DateTimeField(_("transferred at"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")
        constraints = [
            models.CheckConstraint(
                condition=Q(price__isnull=False) | Q(negotiable=True), name="achievements_price_or_negotiable"
            ),
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_source=""),
                name="achievements_external_unique",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="achievements_search_gin"),
            GinIndex(fields=["push_fields"], name="achievements_push_gin"),
            models.Index(fields=["status", "tech_field", "-published_at"], name="achievements_status_field"),
            # The public list's default order (newest first), read a page at a time instead of sorting
            # every public achievement (bench/mixed_load.py).
            models.Index(
                fields=["-published_at", "-id"],
                name="achievements_public_recent",
                condition=models.Q(status__in=["published", "transferred"]),
            ),
            models.Index(fields=["publisher", "status"], name="achievements_publisher"),
        ]

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("achievements:detail", args=[self.pk])


@pghistory.track(exclude=["search_vector"])
class Need(Listing):
    status = models.CharField(_("status"), max_length=16, choices=NeedStatus.choices, default=NeedStatus.DRAFT)
    problem = models.TextField(_("problem to solve"))
    expected_outcome = models.TextField(_("expected outcome"), blank=True)
    budget_min = models.DecimalField(
        _("budget from (yuan)"), null=True, blank=True, validators=[MinValueValidator(0)], **MONEY
    )
    budget_max = models.DecimalField(
        _("budget up to (yuan)"), null=True, blank=True, validators=[MinValueValidator(0)], **MONEY
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    desired_maturity = models.CharField(_("maturity wanted"), max_length=16, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("technology need")
        verbose_name_plural = _("technology needs")
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_min__isnull=True)
                | Q(budget_max__isnull=True)
                | Q(budget_min__lte=models.F("budget_max")),
                name="needs_budget_ordered",
            ),
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_source=""),
                name="needs_external_unique",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="needs_search_gin"),
            GinIndex(fields=["push_fields"], name="needs_push_gin"),
            models.Index(fields=["status", "tech_field", "-published_at"], name="needs_status_field"),
            models.Index(
                fields=["-published_at", "-id"],
                name="needs_public_recent",
                condition=models.Q(status__in=["published", "fulfilled"]),
            ),
            models.Index(fields=["publisher", "status"], name="needs_publisher"),
        ]

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("achievements:need_detail", args=[self.pk])


class ListingStep(Step):
    """One step of a listing's history: who, when, what and why (exactly one of the two listings)."""

    achievement = models.ForeignKey(Achievement, null=True, blank=True, on_delete=models.PROTECT, related_name="steps")
    need = models.ForeignKey(Need, null=True, blank=True, on_delete=models.PROTECT, related_name="steps")

    class Meta(Step.Meta):
        verbose_name = _("listing step")
        verbose_name_plural = _("listing steps")
        constraints = [
            models.CheckConstraint(
                condition=Q(achievement__isnull=False, need__isnull=True)
                | Q(achievement__isnull=True, need__isnull=False),
                name="listing_step_one_listing",
            )
        ]

    def __str__(self):
        return f"{self.achievement_id or self.need_id} {self.action}"


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("Image")
    DOCUMENT = "document", pgettext_lazy("attachment", "Document")


class ListingFile(models.Model):
    """An image or a PDF document of a listing, in private storage, public once the listing is."""

    achievement = models.ForeignKey(Achievement, null=True, blank=True, on_delete=models.PROTECT, related_name="files")
    need = models.ForeignKey(Need, null=True, blank=True, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField(_("kind"), max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), storage=private_storage, upload_to="listings/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("file size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    is_removed = models.BooleanField(_("removed"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "pk"]
        verbose_name = _("listing file")
        verbose_name_plural = _("listing files")
        constraints = [
            models.CheckConstraint(
                condition=Q(achievement__isnull=False, need__isnull=True)
                | Q(achievement__isnull=True, need__isnull=False),
                name="listing_file_one_listing",
            )
        ]

    def __str__(self):
        return self.name


class Match(models.Model):
    """An achievement ranked for a need, with the reasons; kept fresh by ``matching.py``."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="matches")
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="matches")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    # {"terms": [...], "text": float, "field": bool, "push_fields": [...],
    #  "region": "same_unit"|"hebei"|"jingjinji"|"", "maturity": bool, "budget": bool}
    reasons = models.JSONField(_("reasons"), default=dict)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    succeeded_at = models.DateTimeField(_("closed by a registered contract at"), null=True, blank=True)

    class Meta:
        ordering = ["-score", "pk"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [models.UniqueConstraint(fields=["need", "achievement"], name="matches_unique_pair")]
        indexes = [
            models.Index(fields=["need", "-score"], name="matches_need_score"),
            models.Index(fields=["achievement", "-score"], name="matches_achievement_score"),
        ]

    def __str__(self):
        return f"{self.need_id} ~ {self.achievement_id}: {self.score}"


class ListingKind(models.TextChoices):
    ACHIEVEMENTS = "achievements", _("Achievements")
    NEEDS = "needs", _("Technology needs")


class Subscription(TimeStampedModel):
    """What a user wants pushed: listings of some fields, push fields, keywords and units."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    name = models.CharField(_("name"), max_length=64)
    listing_kind = models.CharField(
        _("listings"), max_length=16, choices=ListingKind.choices, default=ListingKind.ACHIEVEMENTS
    )
    tech_fields = ArrayField(
        models.CharField(max_length=8), verbose_name=_("technology fields"), default=list, blank=True
    )
    push_fields = ArrayField(models.CharField(max_length=32), verbose_name=_("push fields"), default=list, blank=True)
    keywords = ArrayField(models.CharField(max_length=32), verbose_name=_("keywords"), default=list, blank=True)
    units = ArrayField(models.CharField(max_length=6), verbose_name=_("assessment units"), default=list, blank=True)
    email_digest = models.BooleanField(_("daily email digest"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self):
        return self.name


class DealStatus(models.TextChoices):
    INTERESTED = "interested", _("Interest expressed")
    ACCEPTED = "accepted", _("Publisher responded")
    DECLINED = "declined", _("Declined by the publisher")
    MEETING = "meeting", _("Meeting arranged")
    CONTRACTED = "contracted", _("Contract registered")
    CLOSED = "closed", _("Closed without a contract")


class Deal(TimeStampedModel):
    """An enterprise's interest in an achievement, followed to a meeting and a registered contract."""

    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="deals")
    need = models.ForeignKey(Need, null=True, blank=True, on_delete=models.PROTECT, related_name="deals")
    buyer = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("interested enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=DealStatus.choices, default=DealStatus.INTERESTED)
    message = models.TextField(_("message"))
    response = models.TextField(_("response"), blank=True)
    meeting_at = models.DateTimeField(_("meeting at"), null=True, blank=True)
    meeting_place = models.CharField(_("meeting place"), max_length=200, blank=True)
    meeting_notes = models.TextField(_("meeting notes"), blank=True)
    contract = models.ForeignKey(
        "contracts.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="deals"
    )

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        constraints = [
            # One open deal per enterprise and achievement: expressing interest twice is one conversation.
            models.UniqueConstraint(
                fields=["achievement", "buyer"],
                condition=Q(status__in=["interested", "accepted", "meeting"]),
                name="deals_one_open_per_buyer",
            )
        ]

    def __str__(self):
        return f"{self.buyer_id} → {self.achievement_id}"


class DealStep(Step):
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="steps")

    class Meta(Step.Meta):
        verbose_name = _("deal step")
        verbose_name_plural = _("deal steps")

    def __str__(self):
        return f"{self.deal_id} {self.action}"


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class PackageKind(models.TextChoices):
    TECHNOLOGY = "technology", _("Technology package")
    ACHIEVEMENT = "achievement", _("Achievement package")


@pghistory.track()
class Package(TimeStampedModel):
    """A curated bundle of achievements (技术包 / 成果包) a bureau publishes by period, batch and category."""

    kind = models.CharField(_("kind"), max_length=16, choices=PackageKind.choices)
    publisher = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("published by"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    period = models.CharField(
        _("period"), max_length=16, help_text=_("A year (2026), a quarter (2026Q3) or a month (2026-07).")
    )
    batch = models.PositiveSmallIntegerField(_("batch"), default=1)
    push_field = models.CharField(_("push field"), max_length=32, blank=True)
    tech_field = models.CharField(_("technology field"), max_length=8, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    achievements = models.ManyToManyField(Achievement, through="PackageItem", related_name="packages")

    class Meta:
        ordering = ["-period", "-batch", "pk"]
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        constraints = [
            models.UniqueConstraint(
                fields=["publisher", "kind", "period", "batch", "push_field", "tech_field"],
                name="packages_unique_batch",
            )
        ]

    def __str__(self):
        return self.title


class PackageItem(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="items")
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="+")
    sort = models.PositiveIntegerField(_("order"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["sort", "pk"]
        constraints = [models.UniqueConstraint(fields=["package", "achievement"], name="package_items_unique")]

    def __str__(self):
        return f"{self.package_id}/{self.achievement_id}"


@pghistory.track()
class CatalogueEdition(TimeStampedModel):
    """An edition of the catalogue of advanced applicable technologies (先进适用技术指导目录).

    Editions are versioned: a draft is built (from scratch or copied from the last edition),
    published once (then it is frozen), and superseded by the next published edition.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=200)
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    change_note = models.TextField(_("what changed"), blank=True)
    based_on = models.ForeignKey(
        "self", verbose_name=_("based on"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-year", "-version"]
        verbose_name = _("catalogue edition")
        verbose_name_plural = _("catalogue editions")
        constraints = [models.UniqueConstraint(fields=["year", "version"], name="catalogue_unique_version")]

    def __str__(self):
        return self.title


class CatalogueEntry(models.Model):
    edition = models.ForeignKey(CatalogueEdition, on_delete=models.CASCADE, related_name="entries")
    achievement = models.ForeignKey(
        Achievement, null=True, blank=True, on_delete=models.PROTECT, related_name="catalogue_entries"
    )
    number = models.PositiveIntegerField(_("number"))
    name = models.CharField(_("technology"), max_length=200)
    tech_field = models.CharField(_("technology field"), max_length=8)
    push_field = models.CharField(_("push field"), max_length=32, blank=True)
    holder = models.CharField(_("holder"), max_length=200)
    summary = models.TextField(_("summary"))
    scope = models.TextField(_("where it applies"), blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("catalogue entry")
        verbose_name_plural = _("catalogue entries")
        constraints = [models.UniqueConstraint(fields=["edition", "number"], name="catalogue_entry_number_unique")]

    def __str__(self):
        return f"{self.number}. {self.name}"
