"""Writes of the marketplace: listings and their review, files, deals, subscriptions, and the loop
a registered contract closes.

Achievements and needs share one workflow (``LISTING_TRANSITIONS``): a user of the publishing
organisation drafts and submits; another user of the same organisation approves (it is then
published and public) or returns it with a reason; the publisher withdraws; the officials of
the area take a published listing down with a reason. A registered contract that names the
listing makes an achievement transferred and a need fulfilled (``listings_realised``). Every
step is a ``ListingStep`` (who, when, why); nothing is deleted.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts import policies
from apps.accounts.models import Membership, Organisation
from apps.accounts.policies import actor_user_id
from apps.achievements.models import (
    Achievement,
    AchievementStatus,
    AttachmentKind,
    Deal,
    DealStatus,
    DealStep,
    IPStatus,
    ListingFile,
    ListingKind,
    ListingStep,
    Match,
    Need,
    NeedStatus,
    Subscription,
)
from apps.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from apps.core.models import Code, CodeList, Region
from apps.core.money import money_parse
from apps.core.notifications import notify
from apps.core.outbox import task_send
from apps.core.validators import normalise_patent_number, validate_patent_number

ILLEGAL_TRANSITION = "illegal_transition"
REASON_REQUIRED = "reason_required"
UNKNOWN_CODE = "unknown_code"
PATENT_IP_TYPES = {"invention", "utility_model", "design"}
MAX_KEYWORDS = 8
MAX_IMAGES = 9
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
PDF_MAGIC = b"%PDF-"

A, N = AchievementStatus, NeedStatus
EDITABLE = {"draft", "returned", "withdrawn"}

# action -> (states it may start from, state it ends in, policy suffix); the same for both kinds.
LISTING_TRANSITIONS = {
    "submit": ({"draft", "returned", "withdrawn"}, "pending", "publish"),
    "approve": ({"pending"}, "published", "review"),
    "return": ({"pending"}, "returned", "review"),
    "withdraw": ({"pending", "published"}, "withdrawn", "publish"),
    "take_down": ({"published"}, "withdrawn", "supervise"),
}
REASON_REQUIRED_FOR = {"return", "take_down"}
ACTION_LABELS = {
    "create": gettext_lazy("Drafted"),
    "update": gettext_lazy("Edited"),
    "submit": gettext_lazy("Submitted for the unit's review"),
    "approve": gettext_lazy("Approved and published"),
    "return": gettext_lazy("Returned for correction"),
    "withdraw": gettext_lazy("Withdrawn by the publisher"),
    "take_down": gettext_lazy("Taken down by the bureau"),
    "transfer": gettext_lazy("Transferred by a registered contract"),
    "fulfil": gettext_lazy("Fulfilled by a registered contract"),
    "expire": gettext_lazy("Expired at its deadline"),
    "file_add": gettext_lazy("File added"),
    "file_remove": gettext_lazy("File removed"),
    "import": gettext_lazy("Imported"),
}


def _kind(listing_or_model) -> str:
    return "need" if listing_or_model._meta.model_name == "need" else "achievement"


def _step(listing, action, *, actor, from_status="", to_status="", note=""):
    return ListingStep.objects.create(
        **{_kind(listing): listing},
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor_user_id(actor),
        note=note,
    )


# Input ---------------------------------------------------------------------------------------------


@dataclass
class ListingInput:
    """Fields both kinds share."""

    title: str = ""
    tech_field: str = ""
    region: str = ""
    push_fields: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    transfer_modes: list[str] = field(default_factory=list)
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


@dataclass
class AchievementInput(ListingInput):
    lead_unit: str = ""
    team: str = ""
    summary: str = ""
    advantage: str = ""
    commercial_route: str = ""
    application_fields: str = ""
    maturity: str = ""
    ip_type: str = "none"
    ip_numbers: list[str] = field(default_factory=list)
    ip_status: str = IPStatus.NONE
    price: Decimal | None = None
    negotiable: bool = False


@dataclass
class NeedInput(ListingInput):
    problem: str = ""
    expected_outcome: str = ""
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    deadline: date | None = None
    desired_maturity: str = ""


def _text(value, name, *, required_message=None, max_length=None) -> str:
    value = (value or "").strip()
    if required_message and not value:
        raise InvalidInput(required_message, field=name)
    if max_length and len(value) > max_length:
        raise InvalidInput(
            _("At most %(limit)d characters, please (now %(length)d).") % {"limit": max_length, "length": len(value)},
            field=name,
        )
    return value


def _code(list_name, value, name, message, *, blank=False) -> str:
    value = (value or "").strip()
    if blank and not value:
        return ""
    if not Code.objects.filter(list=list_name, code=value, is_active=True).exists():
        raise InvalidInput(message, code=UNKNOWN_CODE, field=name)
    return value


def _codes(list_name, values, name, message) -> list[str]:
    values = [v.strip() for v in (values or []) if v and v.strip()]
    values = list(dict.fromkeys(values))
    if values:
        known = set(Code.objects.filter(list=list_name, code__in=values, is_active=True).values_list("code", flat=True))
        if set(values) - known:
            raise InvalidInput(message, code=UNKNOWN_CODE, field=name)
    return values


def _common_validate(data: ListingInput, publisher: Organisation) -> dict:
    keywords = [k.strip() for k in (data.keywords or []) if k and k.strip()]
    keywords = list(dict.fromkeys(keywords))
    if len(keywords) > MAX_KEYWORDS:
        raise InvalidInput(_("Give at most %(count)d keywords.") % {"count": MAX_KEYWORDS}, field="keywords")
    if any(len(k) > 32 for k in keywords):
        raise InvalidInput(_("A keyword has at most 32 characters."), field="keywords")
    region_code = (data.region or "").strip() or publisher.region_id
    region = Region.objects.filter(code=region_code, is_active=True).first()
    if region is None:
        raise InvalidInput(_("Choose the region where the technology is offered or needed."), field="region")
    email = (data.contact_email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(_("Enter a valid email address."), field="contact_email") from None
    return {
        "title": _text(data.title, "title", required_message=_("Enter a title."), max_length=200),
        "tech_field": _code(CodeList.TECH_FIELD, data.tech_field, "tech_field", _("Choose the technology field.")),
        "push_fields": _codes(
            CodeList.PUSH_FIELD, data.push_fields, "push_fields", _("Choose push fields from the list.")
        ),
        "keywords": keywords,
        "region": region,
        "transfer_modes": _codes(
            CodeList.TRANSFER_MODE, data.transfer_modes, "transfer_modes", _("Choose transfer modes from the list.")
        ),
        "contact_name": _text(data.contact_name, "contact_name", max_length=64),
        "contact_phone": _text(data.contact_phone, "contact_phone", max_length=32),
        "contact_email": email,
    }


def achievement_input_validate(data: AchievementInput, *, publisher: Organisation) -> dict:
    """The cleaned values of an achievement, or ``InvalidInput`` naming the field to fix.

    Buyers reject listings whose stage, benefit or commercial route is unclear (DOMAIN.md), so
    the maturity, the advantage over the state of the art and the commercial route are required.
    """
    values = _common_validate(data, publisher)
    values.update(
        lead_unit=_text(data.lead_unit, "lead_unit", max_length=200) or publisher.name,
        team=_text(data.team, "team", max_length=2000),
        summary=_text(
            data.summary, "summary", required_message=_("Describe the achievement: what it is and what it does.")
        ),
        advantage=_text(
            data.advantage,
            "advantage",
            required_message=_("Say what it does better than the technology in use today, with figures if you can."),
        ),
        commercial_route=_text(
            data.commercial_route,
            "commercial_route",
            required_message=_("Say who would buy the product and how the buyer of the technology earns from it."),
        ),
        application_fields=_text(data.application_fields, "application_fields", max_length=2000),
        maturity=_code(CodeList.MATURITY, data.maturity, "maturity", _("Choose the maturity of the technology.")),
        ip_type=_code(
            CodeList.IP_TYPE, data.ip_type or "none", "ip_type", _("Choose the type of intellectual property.")
        ),
    )
    if data.ip_status not in IPStatus.values:
        raise InvalidInput(_("Choose the status of the intellectual property."), field="ip_status")
    numbers = []
    for raw in data.ip_numbers or []:
        number = (raw or "").strip()
        if not number:
            continue
        if values["ip_type"] in PATENT_IP_TYPES:
            number = normalise_patent_number(number)
            try:
                validate_patent_number(number)
            except ValidationError as exc:
                raise InvalidInput(exc.messages[0], code=exc.error_list[0].code, field="ip_numbers") from None
        numbers.append(number[:20])
    if values["ip_type"] in PATENT_IP_TYPES and data.ip_status == IPStatus.GRANTED and not numbers:
        raise InvalidInput(_("Give the numbers of the granted patents."), field="ip_numbers")
    values.update(ip_numbers=numbers, ip_status=data.ip_status)
    price = money_parse(data.price, "price", allow_none=True)
    if price is None and not data.negotiable:
        raise InvalidInput(_("Give an asking price, or mark the price negotiable."), field="price")
    values.update(price=price, negotiable=bool(data.negotiable))
    return values


def need_input_validate(data: NeedInput, *, publisher: Organisation) -> dict:
    values = _common_validate(data, publisher)
    values.update(
        problem=_text(data.problem, "problem", required_message=_("Describe the problem to solve.")),
        expected_outcome=_text(data.expected_outcome, "expected_outcome"),
        desired_maturity=_code(
            CodeList.MATURITY,
            data.desired_maturity,
            "desired_maturity",
            _("Choose a maturity from the list."),
            blank=True,
        ),
    )
    budget_min, budget_max = (
        money_parse(data.budget_min, "budget_min", allow_none=True),
        money_parse(data.budget_max, "budget_max", allow_none=True),
    )
    if budget_min is not None and budget_max is not None and budget_min > budget_max:
        raise InvalidInput(_("The budget's lower end is above its upper end."), field="budget_max")
    if data.deadline and data.deadline < timezone.localdate():
        raise InvalidInput(_("The deadline has passed; choose a later date."), field="deadline")
    values.update(budget_min=budget_min, budget_max=budget_max, deadline=data.deadline)
    return values


# Drafting ------------------------------------------------------------------------------------------


def _policy(model_or_listing, suffix: str) -> str:
    return "listing.supervise" if suffix == "supervise" else f"{_kind(model_or_listing)}.{suffix}"


def _validate(model, data, publisher) -> dict:
    if model is Achievement:
        return achievement_input_validate(data, publisher=publisher)
    return need_input_validate(data, publisher=publisher)


def listing_create(*, actor, model, publisher: Organisation, data: ListingInput):
    """Draft an achievement (``model=Achievement``) or a need (``model=Need``) for ``publisher``."""
    policies.check(actor, _policy(model, "publish"), publisher)
    values = _validate(model, data, publisher)
    kind = _kind(model)
    with transaction.atomic(), pghistory.context(action=f"{kind}.create", user=actor_user_id(actor)):
        listing = model.objects.create(publisher=publisher, author_id=actor_user_id(actor), status="draft", **values)
        _step(listing, "create", actor=actor, to_status=listing.status)
        _reindex(listing)
    return listing


def listing_update(*, actor, listing, data: ListingInput):
    """Replace a draft, a returned or a withdrawn listing; a published one is withdrawn first."""
    policies.check(actor, _policy(listing, "publish"), listing)
    values = _validate(type(listing), data, listing.publisher)
    with transaction.atomic(), pghistory.context(action=f"{_kind(listing)}.update", user=actor_user_id(actor)):
        locked = type(listing).objects.select_for_update().get(pk=listing.pk)
        if locked.status not in EDITABLE:
            raise _illegal(locked, "update")
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save()
        _step(locked, "update", actor=actor, from_status=locked.status, to_status=locked.status)
        _reindex(locked)
    return locked


def _reindex(listing) -> None:
    from apps.achievements.search import listing_reindex

    listing_reindex(listing)


def _illegal(listing, action: str) -> Conflict:
    return Conflict(
        _("The listing is “%(status)s”; “%(action)s” is not possible now.")
        % {"status": listing.get_status_display(), "action": ACTION_LABELS.get(action, action)},
        code=ILLEGAL_TRANSITION,
    )


def listing_transition(*, actor, listing, action: str, note: str = ""):
    """Move a listing through ``LISTING_TRANSITIONS``; publishing queues its matches and pushes."""
    if action not in LISTING_TRANSITIONS:
        raise InvalidInput(_("Unknown action."), code="unknown_action")
    sources, target, suffix = LISTING_TRANSITIONS[action]
    policies.check(actor, _policy(listing, suffix), listing)
    model = type(listing)
    with transaction.atomic(), pghistory.context(action=f"{_kind(listing)}.{action}", user=actor_user_id(actor)):
        locked = model.objects.select_for_update().select_related("region").get(pk=listing.pk)
        if locked.status not in sources:
            raise _illegal(locked, action)
        note = (note or "").strip()
        if action in REASON_REQUIRED_FOR and not note:
            raise InvalidInput(_("Please give a reason."), code=REASON_REQUIRED, field="note")
        if action == "approve" and locked.author_id == actor_user_id(actor):
            # The rule already refuses it; kept here so that no path publishes without four eyes.
            raise Conflict(_("Another user of your unit must review what you wrote."), code="four_eyes")
        if (
            action == "approve"
            and _kind(locked) == "need"
            and locked.deadline
            and locked.deadline < timezone.localdate()
        ):
            raise InvalidInput(_("The need's deadline has passed; correct it first."), field="deadline")
        from_status = locked.status
        locked.status = target
        locked.status_note = note
        update_fields = ["status", "status_note", "updated_at"]
        if action == "submit":
            locked.submitted_at = timezone.now()
            update_fields.append("submitted_at")
        if action == "approve":
            locked.published_at = timezone.now()
            update_fields.append("published_at")
        locked.save(update_fields=update_fields)
        _step(locked, action, actor=actor, from_status=from_status, to_status=target, note=note)
        if action in ("approve", "withdraw", "take_down"):
            _queue_push(locked)
        if action in ("return", "take_down", "approve"):
            _notify_publisher(locked, action, note)
    return locked


def _queue_push(listing) -> None:
    from apps.achievements.tasks import listing_push_task

    task_send(listing_push_task, _kind(listing), listing.pk)


def _members(organisation_id, roles=None):
    memberships = Membership.objects.filter(organisation_id=organisation_id, is_active=True).select_related("user")
    if roles:
        memberships = memberships.filter(role__in=roles)
    return [m.user for m in memberships]


def _notify_publisher(listing, action, note) -> None:
    notify(
        users=_members(listing.publisher_id),
        kind=f"listing.{action}",
        title=_("“%(title)s”: %(action)s") % {"title": listing.title, "action": ACTION_LABELS[action]},
        body=note,
        url=listing.get_absolute_url(),
    )


# Files -------------------------------------------------------------------------------------------


def _check_file(upload, kind: str) -> tuple[str, str, int, str]:
    name = Path(upload.name or "").name[:200]
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if kind == AttachmentKind.IMAGE:
        limit = settings.HEBTT_LISTING_IMAGE_MAX_BYTES
        content_type = next((ctype for magic, ctype in IMAGE_TYPES.items() if head.startswith(magic)), None)
        if content_type is None:
            raise InvalidInput(_("An image must be a PNG or JPEG file."), code="file_type", field="file")
    elif kind == AttachmentKind.DOCUMENT:
        limit = settings.HEBTT_LISTING_DOCUMENT_MAX_BYTES
        content_type = "application/pdf"
        if not head.startswith(PDF_MAGIC) or not name.lower().endswith(".pdf"):
            raise InvalidInput(_("A document must be a PDF file."), code="file_type", field="file")
    else:
        raise InvalidInput(_("Choose whether the file is an image or a document."), field="kind")
    if upload.size > limit:
        raise InvalidInput(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1_048_576, 1), "limit": round(limit / 1_048_576, 1)},
            code="file_too_large",
            field="file",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return name, content_type, upload.size, digest.hexdigest()


def listing_file_add(*, actor, listing, upload, kind: str) -> ListingFile:
    """Add an image or a PDF to a listing that is still editable (or published: pictures help)."""
    policies.check(actor, _policy(listing, "publish"), listing)
    name, content_type, size, sha256 = _check_file(upload, kind)
    with transaction.atomic(), pghistory.context(action=f"{_kind(listing)}.file_add", user=actor_user_id(actor)):
        locked = type(listing).objects.select_for_update().get(pk=listing.pk)
        if locked.status not in EDITABLE | {"pending", "published"}:
            raise _illegal(locked, "file_add")
        if kind == AttachmentKind.IMAGE and locked.files.filter(kind=kind, is_removed=False).count() >= MAX_IMAGES:
            raise InvalidInput(_("A listing has at most %(count)d images.") % {"count": MAX_IMAGES}, field="file")
        item = ListingFile(
            **{_kind(locked): locked},
            kind=kind,
            name=name,
            content_type=content_type,
            size=size,
            sha256=sha256,
            uploaded_by_id=actor_user_id(actor),
        )
        item.file.save(name, upload, save=False)
        item.save()
        _step(locked, "file_add", actor=actor, from_status=locked.status, to_status=locked.status, note=name)
    return item


def listing_file_remove(*, actor, item: ListingFile) -> ListingFile:
    """Hide a file from the listing; the stored file stays (nothing is deleted)."""
    listing = item.achievement or item.need
    policies.check(actor, _policy(listing, "publish"), listing)
    with transaction.atomic():
        item.is_removed = True
        item.save(update_fields=["is_removed"])
        _step(listing, "file_remove", actor=actor, from_status=listing.status, to_status=listing.status, note=item.name)
    return item


# The loop a registered contract closes -------------------------------------------------------------


def listings_realised(*, contract) -> None:
    """Called by the contracts app, inside its transaction, when ``contract`` is registered.

    The achievement it names becomes transferred, the need fulfilled, the match between them a
    success, and the open deals of the buyer for the achievement contracted.
    """
    now = timezone.now()
    achievement = need = None
    if contract.achievement_id:
        achievement = Achievement.objects.select_for_update().get(pk=contract.achievement_id)
        if achievement.status == A.PUBLISHED:
            achievement.status = A.TRANSFERRED
            achievement.transferred_at = now
            achievement.save(update_fields=["status", "transferred_at", "updated_at"])
            _step(
                achievement,
                "transfer",
                actor=None,
                from_status=A.PUBLISHED,
                to_status=A.TRANSFERRED,
                note=contract.registration_number,
            )
    if contract.need_id:
        need = Need.objects.select_for_update().get(pk=contract.need_id)
        if need.status == N.PUBLISHED:
            need.status = N.FULFILLED
            need.fulfilled_at = now
            need.save(update_fields=["status", "fulfilled_at", "updated_at"])
            _step(
                need,
                "fulfil",
                actor=None,
                from_status=N.PUBLISHED,
                to_status=N.FULFILLED,
                note=contract.registration_number,
            )
    if achievement and need:
        match, _created = Match.objects.get_or_create(
            need=need, achievement=achievement, defaults={"score": Decimal("0"), "reasons": {"contract": True}}
        )
        if match.succeeded_at is None:
            match.succeeded_at = now
            match.save(update_fields=["succeeded_at"])
    if achievement and contract.buyer_id:
        deals = Deal.objects.select_for_update().filter(
            achievement=achievement, buyer_id=contract.buyer_id, status__in=DEAL_OPEN_STATES
        )
        for deal in deals:
            from_status = deal.status
            deal.status = DealStatus.CONTRACTED
            deal.contract = contract
            deal.save(update_fields=["status", "contract", "updated_at"])
            DealStep.objects.create(
                deal=deal,
                action="contract",
                from_status=from_status,
                to_status=deal.status,
                note=contract.registration_number,
            )


def listing_for_contract_check(*, seller: Organisation | None, buyer: Organisation | None, achievement, need) -> None:
    """What a contract may name: the seller's own public achievement, and a public need of the buyer."""
    if achievement is not None:
        if achievement.status not in (A.PUBLISHED, A.TRANSFERRED):
            raise InvalidInput(_("The achievement named is not published."), field="achievement")
        if seller is not None and achievement.publisher_id != seller.pk:
            raise InvalidInput(_("The achievement named was not published by the seller."), field="achievement")
    if need is not None:
        if need.status not in (N.PUBLISHED, N.FULFILLED):
            raise InvalidInput(_("The technology need named is not published."), field="need")
        if buyer is not None and need.publisher_id != buyer.pk:
            raise InvalidInput(_("The technology need named was not published by the buyer."), field="need")


def needs_expire(*, today: date | None = None) -> int:
    """Published needs whose deadline has passed expire; returns how many."""
    today = today or timezone.localdate()
    count = 0
    for need in Need.objects.filter(status=N.PUBLISHED, deadline__lt=today).order_by("pk"):
        with transaction.atomic(), pghistory.context(action="need.expire"):
            locked = Need.objects.select_for_update().get(pk=need.pk)
            if locked.status != N.PUBLISHED:
                continue
            locked.status = N.EXPIRED
            locked.save(update_fields=["status", "updated_at"])
            _step(locked, "expire", actor=None, from_status=N.PUBLISHED, to_status=N.EXPIRED)
            count += 1
    return count


# Deals ---------------------------------------------------------------------------------------------

D = DealStatus
DEAL_OPEN_STATES = (D.INTERESTED, D.ACCEPTED, D.MEETING)
# action -> (states it may start from, state it ends in, policy)
DEAL_TRANSITIONS = {
    "accept": ({D.INTERESTED}, D.ACCEPTED, "deal.respond"),
    "decline": ({D.INTERESTED}, D.DECLINED, "deal.respond"),
    "meeting": ({D.ACCEPTED, D.MEETING}, D.MEETING, "deal.respond"),
    "close": ({D.INTERESTED, D.ACCEPTED, D.MEETING}, D.CLOSED, "deal.respond"),
    "withdraw": ({D.INTERESTED, D.ACCEPTED, D.MEETING}, D.CLOSED, "deal.buyer"),
}
DEAL_LABELS = {
    "express": gettext_lazy("Interest expressed"),
    "accept": gettext_lazy("The publisher responded"),
    "decline": gettext_lazy("The publisher declined"),
    "meeting": gettext_lazy("Meeting arranged"),
    "close": gettext_lazy("Closed by the publisher"),
    "withdraw": gettext_lazy("Withdrawn by the enterprise"),
    "contract": gettext_lazy("Contract registered"),
}


def deal_express(
    *, actor, buyer: Organisation, achievement: Achievement, message: str, need: Need | None = None
) -> Deal:
    """An enterprise tells the publisher it is interested; optionally for one of its needs."""
    policies.check(actor, "deal.express", buyer)
    message = _text(message, "message", required_message=_("Write a message to the publisher."), max_length=2000)
    if achievement.status != A.PUBLISHED:
        raise Conflict(_("The achievement is not open to offers."), code=ILLEGAL_TRANSITION)
    if achievement.publisher_id == buyer.pk:
        raise InvalidInput(_("This is your own achievement."), field="achievement")
    if need is not None and (need.publisher_id != buyer.pk or need.status != N.PUBLISHED):
        raise InvalidInput(_("Choose one of your published needs."), field="need")
    try:
        with transaction.atomic(), pghistory.context(action="deal.express", user=actor_user_id(actor)):
            deal = Deal.objects.create(achievement=achievement, need=need, buyer=buyer, message=message)
            DealStep.objects.create(
                deal=deal, action="express", to_status=deal.status, actor_id=actor_user_id(actor), note=message
            )
    except IntegrityError:
        raise Conflict(
            _("Your organisation is already in contact about this achievement; continue there."), code="deal_open"
        ) from None
    notify(
        users=_members(achievement.publisher_id),
        kind="deal.express",
        title=_("%(buyer)s is interested in “%(title)s”") % {"buyer": buyer.name, "title": achievement.title},
        body=message,
        url=reverse("achievements:deal_detail", args=[deal.pk]),
    )
    return deal


def deal_transition(
    *,
    actor,
    deal: Deal,
    action: str,
    note: str = "",
    meeting_at: datetime | None = None,
    meeting_place: str = "",
) -> Deal:
    if action not in DEAL_TRANSITIONS:
        raise InvalidInput(_("Unknown action."), code="unknown_action")
    sources, target, policy = DEAL_TRANSITIONS[action]
    policies.check(actor, policy, deal)
    note = (note or "").strip()
    with transaction.atomic(), pghistory.context(action=f"deal.{action}", user=actor_user_id(actor)):
        locked = Deal.objects.select_for_update().select_related("achievement", "buyer").get(pk=deal.pk)
        if locked.status not in sources:
            raise Conflict(
                _("The deal is “%(status)s”; “%(action)s” is not possible now.")
                % {"status": locked.get_status_display(), "action": DEAL_LABELS[action]},
                code=ILLEGAL_TRANSITION,
            )
        if action in ("decline", "close", "withdraw") and not note:
            raise InvalidInput(_("Please give a reason."), code=REASON_REQUIRED, field="note")
        update_fields = ["status", "updated_at"]
        if action in ("accept", "decline"):
            if action == "accept" and not note:
                raise InvalidInput(_("Write your answer to the enterprise."), field="note")
            locked.response = note
            update_fields.append("response")
        if action == "meeting":
            if meeting_at is None:
                raise InvalidInput(_("Give the date and time of the meeting."), field="meeting_at")
            place = _text(meeting_place, "meeting_place", max_length=200)
            if not place:
                raise InvalidInput(_("Give the place of the meeting (or the video link)."), field="meeting_place")
            locked.meeting_at, locked.meeting_place = meeting_at, place
            if note:
                locked.meeting_notes = note
            update_fields += ["meeting_at", "meeting_place", "meeting_notes"]
        from_status = locked.status
        locked.status = target
        locked.save(update_fields=update_fields)
        DealStep.objects.create(
            deal=locked,
            action=action,
            from_status=from_status,
            to_status=target,
            actor_id=actor_user_id(actor),
            note=note,
        )
    other = locked.buyer_id if policy == "deal.respond" else locked.achievement.publisher_id
    notify(
        users=_members(other),
        kind=f"deal.{action}",
        title=_("“%(title)s”: %(action)s") % {"title": locked.achievement.title, "action": DEAL_LABELS[action]},
        body=note,
        url=reverse("achievements:deal_detail", args=[locked.pk]),
    )
    return locked


# Subscriptions and the push -----------------------------------------------------------------------


@dataclass
class SubscriptionInput:
    name: str
    listing_kind: str = ListingKind.ACHIEVEMENTS
    tech_fields: list[str] = field(default_factory=list)
    push_fields: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    email_digest: bool = True
    is_active: bool = True


MAX_SUBSCRIPTIONS = 20


def subscription_save(*, actor, data: SubscriptionInput, subscription: Subscription | None = None) -> Subscription:
    """Create or replace one of the actor's own subscriptions; it must say what it wants."""
    user = getattr(actor, "user", actor)
    if not user or not user.is_authenticated:
        raise PermissionDenied()
    if subscription is not None and subscription.user_id != user.pk:
        raise NotFound()
    name = _text(data.name, "name", required_message=_("Name the subscription."), max_length=64)
    if data.listing_kind not in ListingKind.values:
        raise InvalidInput(_("Choose achievements or needs."), field="listing_kind")
    values = {
        "name": name,
        "listing_kind": data.listing_kind,
        "tech_fields": _codes(CodeList.TECH_FIELD, data.tech_fields, "tech_fields", _("Choose fields from the list.")),
        "push_fields": _codes(
            CodeList.PUSH_FIELD, data.push_fields, "push_fields", _("Choose push fields from the list.")
        ),
        "keywords": list(dict.fromkeys(k.strip() for k in (data.keywords or []) if k and k.strip()))[:MAX_KEYWORDS],
        "units": list(dict.fromkeys(u.strip() for u in (data.units or []) if u and u.strip())),
        "email_digest": bool(data.email_digest),
        "is_active": bool(data.is_active),
    }
    if values["units"]:
        from apps.core.selectors import assessment_units

        if set(values["units"]) - set(assessment_units().values_list("code", flat=True)):
            raise InvalidInput(_("Choose units from the list."), field="units")
    if not (values["tech_fields"] or values["push_fields"] or values["keywords"] or values["units"]):
        raise InvalidInput(
            _("Say what you want pushed: a field, a push field, a keyword or a unit."), code="empty_subscription"
        )
    with transaction.atomic():
        if subscription is None:
            if Subscription.objects.filter(user=user).count() >= MAX_SUBSCRIPTIONS:
                raise InvalidInput(
                    _("You have %(count)d subscriptions, the most allowed.") % {"count": MAX_SUBSCRIPTIONS}
                )
            return Subscription.objects.create(user=user, **values)
        for name_, value in values.items():
            setattr(subscription, name_, value)
        subscription.save()
    return subscription


def subscription_delete(*, actor, subscription: Subscription) -> None:
    user = getattr(actor, "user", actor)
    if subscription.user_id != getattr(user, "pk", None):
        raise NotFound()
    subscription.delete()


def subscriptions_matching(listing):
    """The active subscriptions a newly published listing answers (all their conditions hold)."""
    from apps.achievements.search import segment

    kind = ListingKind.NEEDS if _kind(listing) == "need" else ListingKind.ACHIEVEMENTS
    words = set(segment(" ".join([listing.title, " ".join(listing.keywords)]))) | {k.lower() for k in listing.keywords}
    body = getattr(listing, "summary", "") or getattr(listing, "problem", "")
    text = f"{listing.title} {' '.join(listing.keywords)} {body}".lower()
    result = []
    for subscription in Subscription.objects.filter(is_active=True, listing_kind=kind).select_related("user"):
        if subscription.user_id == listing.author_id:
            continue
        if subscription.tech_fields and listing.tech_field not in subscription.tech_fields:
            continue
        if subscription.push_fields and not set(subscription.push_fields) & set(listing.push_fields):
            continue
        if subscription.units and listing.region.unit_id not in subscription.units:
            continue
        if subscription.keywords and not any(k.lower() in words or k.lower() in text for k in subscription.keywords):
            continue
        result.append(subscription)
    return result


def listing_push(*, listing) -> dict:
    """After a listing is published (or taken off): refresh its matches, notify subscribers and,
    for a need, its publisher of the best new matches. Safe to run twice.
    """
    from apps.achievements import matching

    listing = type(listing).objects.select_related("region").get(pk=listing.pk)
    public = listing.status == "published"
    if _kind(listing) == "need":
        matches = matching.need_matches_refresh(need=listing)
    else:
        matches = matching.achievement_matches_refresh(achievement=listing)
    if not public:
        return {"matches": 0, "subscribers": 0, "pushed": 0}
    subscribers = [s.user for s in subscriptions_matching(listing)]
    already = set()
    if subscribers:
        kind_label = _("New technology need") if _kind(listing) == "need" else _("New achievement")
        already = {
            n.user_id
            for n in notify(
                users=subscribers,
                kind="subscription",
                title=f"{kind_label}: {listing.title}",
                body=listing.region.label,
                url=listing.get_absolute_url(),
            )
        }
    pushed = _push_matches(matches)
    return {"matches": len(matches), "subscribers": len(already), "pushed": pushed}


PUSH_MIN_SCORE = Decimal("40")
# The text similarity (``reasons["text"]``, 0-1) a push needs besides: the listings share a subject,
# not one common word with the same field and region.
PUSH_MIN_TEXT = 0.2


def _push_matches(matches) -> int:
    """Tell each need's enterprise of its new good matches (once per pair): a score of at least
    ``PUSH_MIN_SCORE`` and a text similarity of at least ``PUSH_MIN_TEXT`` (rows computed before the
    similarity was kept need a shared term)."""
    fresh = list(
        Match.objects.filter(
            pk__in=[m.pk for m in matches],
            notified_at__isnull=True,
            succeeded_at__isnull=True,
            score__gte=PUSH_MIN_SCORE,
        ).select_related("need", "achievement")
    )
    count = 0
    for match in fresh:
        need, achievement = match.need, match.achievement
        if need.status != N.PUBLISHED or achievement.status != A.PUBLISHED:
            continue
        if not match.reasons.get("terms") or match.reasons.get("text", PUSH_MIN_TEXT) < PUSH_MIN_TEXT:
            continue  # field, region and fit alone do not make a push: the listings must share a subject
        notify(
            users=_members(need.publisher_id),
            kind="match",
            title=_("An achievement matches your need “%(need)s”: %(title)s")
            % {"need": need.title, "title": achievement.title},
            body=_("Score %(score)s") % {"score": match.score},
            url=reverse("achievements:need_matches", args=[need.pk]),
        )
        count += 1
    Match.objects.filter(pk__in=[m.pk for m in fresh]).update(notified_at=timezone.now())
    return count
