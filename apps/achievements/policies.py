"""Who may publish, review, see and act on achievements, needs, deals, packages and the catalogue.

- Universities, institutes and enterprises publish achievements; enterprises publish needs. A
  listing is drafted and submitted by a user of the publishing organisation and reviewed by
  another user of the same organisation (the unit's review, four eyes), then it is public.
- Published (and transferred or fulfilled) listings are public, to anonymous visitors too, with
  public fields only; the publisher sees its own in every state; officials see the listings of
  their area once submitted, and may take a published one down with a reason.
- An enterprise expresses interest in an achievement; the publisher answers. Both sides and the
  officials of the achievement's area see the deal.
- The province and the city bureaus publish packages for their area; the province publishes the
  catalogue of advanced applicable technologies.
"""

from django.db.models import Q, QuerySet

from apps.accounts.models import Role
from apps.accounts.policies import REGION_OVERSIGHT_ROLES, Actor, rule
from apps.achievements.models import AchievementStatus, NeedStatus

ACHIEVEMENT_PUBLISHER_ROLES = (Role.UNIVERSITY, Role.ENTERPRISE, Role.INSTITUTION)
NEED_PUBLISHER_ROLES = (Role.ENTERPRISE,)
PUBLIC_ACHIEVEMENT_STATES = (AchievementStatus.PUBLISHED, AchievementStatus.TRANSFERRED)
PUBLIC_NEED_STATES = (NeedStatus.PUBLISHED, NeedStatus.FULFILLED)
PRIVATE_STATES = ("draft", "withdrawn")


def _roles_for(listing_or_model) -> tuple:
    name = getattr(getattr(listing_or_model, "_meta", None), "model_name", "")
    return NEED_PUBLISHER_ROLES if name == "need" else ACHIEVEMENT_PUBLISHER_ROLES


def _public_states(model) -> tuple:
    return PUBLIC_NEED_STATES if model._meta.model_name == "need" else PUBLIC_ACHIEVEMENT_STATES


def listings_visible(actor: Actor, queryset: QuerySet) -> QuerySet:
    """Public listings, the actor's organisation's own, and those of the actor's area once submitted."""
    model = queryset.model
    q = Q(status__in=_public_states(model))
    if actor.is_authenticated:
        q |= Q(publisher_id__in=actor.organisation_ids(*_roles_for(model), include_inactive=True))
        q |= actor.region_q("region", *REGION_OVERSIGHT_ROLES) & ~Q(status__in=PRIVATE_STATES)
    return queryset.filter(q)


def _visible(actor: Actor, listing) -> bool:
    if listing is None:
        return True
    return listings_visible(actor, type(listing).objects.filter(pk=listing.pk)).exists()


@rule("achievement.view", scope=listings_visible)
def _may_view_achievement(actor: Actor, achievement) -> bool:
    return _visible(actor, achievement)


@rule("need.view", scope=listings_visible)
def _may_view_need(actor: Actor, need) -> bool:
    return _visible(actor, need)


def listings_own(actor: Actor, queryset: QuerySet) -> QuerySet:
    return queryset.filter(publisher_id__in=actor.organisation_ids(*_roles_for(queryset.model)))


def _may_publish(actor: Actor, listing, roles) -> bool:
    """``listing`` is a listing, or the organisation that would publish a new one."""
    own = actor.organisation_ids(*roles)
    if listing is None:
        return bool(own)
    publisher_id = getattr(listing, "publisher_id", None)
    if publisher_id is None:  # an organisation
        publisher_id = listing.pk
    return publisher_id in own


@rule("achievement.publish", scope=listings_own)
def _may_publish_achievement(actor: Actor, achievement) -> bool:
    return _may_publish(actor, achievement, ACHIEVEMENT_PUBLISHER_ROLES)


@rule("need.publish", scope=listings_own)
def _may_publish_need(actor: Actor, need) -> bool:
    return _may_publish(actor, need, NEED_PUBLISHER_ROLES)


def listings_reviewable(actor: Actor, queryset: QuerySet) -> QuerySet:
    """Listings awaiting the review of the actor's unit, except the actor's own."""
    user_id = actor.user.pk if actor.is_authenticated else None
    return listings_own(actor, queryset).exclude(author_id=user_id)


def _may_review(actor: Actor, listing, roles) -> bool:
    if listing is None:
        return bool(actor.organisation_ids(*roles))
    return listing.publisher_id in actor.organisation_ids(*roles) and listing.author_id != actor.user.pk


@rule("achievement.review", scope=listings_reviewable)
def _may_review_achievement(actor: Actor, achievement) -> bool:
    return _may_review(actor, achievement, ACHIEVEMENT_PUBLISHER_ROLES)


@rule("need.review", scope=listings_reviewable)
def _may_review_need(actor: Actor, need) -> bool:
    return _may_review(actor, need, NEED_PUBLISHER_ROLES)


def listings_supervised(actor: Actor, queryset: QuerySet) -> QuerySet:
    return queryset.filter(actor.region_q("region", *REGION_OVERSIGHT_ROLES))


@rule("listing.supervise", scope=listings_supervised)
def _may_supervise(actor: Actor, listing) -> bool:
    """Take a published listing down (false or outdated information): the officials of its area."""
    if listing is None:
        return actor.has_role(*REGION_OVERSIGHT_ROLES)
    return actor.oversees_region(listing.region, *REGION_OVERSIGHT_ROLES)


@rule("listing.contacts")
def _may_see_contacts(actor: Actor, listing) -> bool:
    """A listing's contact person, phone and e-mail: users of an activated organisation (a bureau
    reviewed its sign-up), not anyone who signed up; the publisher's own users always."""
    if listing is not None and listing.publisher_id in actor.organisation_ids(include_inactive=True):
        return True
    return bool(actor.grants)


@rule("listing.private")
def _may_see_private(actor: Actor, listing) -> bool:
    """A listing's workflow steps (who did what, review notes) and status note: its publisher's users
    who may publish it, and the officials of its area."""
    if listing is None:
        return False
    return _may_publish(actor, listing, _roles_for(listing)) or _may_supervise(actor, listing)


# Deals -------------------------------------------------------------------------------------------


@rule("deal.express")
def _may_express(actor: Actor, organisation) -> bool:
    """Express interest in an achievement on behalf of ``organisation`` (an enterprise)."""
    own = actor.organisation_ids(Role.ENTERPRISE)
    return bool(own) if organisation is None else organisation.pk in own


def deals_visible(actor: Actor, queryset: QuerySet) -> QuerySet:
    buyer = Q(buyer_id__in=actor.organisation_ids(Role.ENTERPRISE, include_inactive=True))
    publisher = Q(
        achievement__publisher_id__in=actor.organisation_ids(*ACHIEVEMENT_PUBLISHER_ROLES, include_inactive=True)
    )
    overseen = actor.region_q("achievement__region", *REGION_OVERSIGHT_ROLES)
    return queryset.filter(buyer | publisher | overseen)


@rule("deal.view", scope=deals_visible)
def _may_view_deal(actor: Actor, deal) -> bool:
    if deal is None:
        return actor.is_authenticated
    return deals_visible(actor, type(deal).objects.filter(pk=deal.pk)).exists()


@rule("deal.respond")
def _may_respond(actor: Actor, deal) -> bool:
    """The publisher of the achievement answers, arranges the meeting, closes."""
    return deal.achievement.publisher_id in actor.organisation_ids(*ACHIEVEMENT_PUBLISHER_ROLES)


@rule("deal.buyer")
def _may_act_as_buyer(actor: Actor, deal) -> bool:
    """The interested enterprise withdraws its interest."""
    return deal.buyer_id in actor.organisation_ids(Role.ENTERPRISE)


# Matches ------------------------------------------------------------------------------------------


@rule("match.view")
def _may_view_matches(actor: Actor, listing) -> bool:
    """The ranked matches of a listing: its publisher and the officials of its area."""
    if listing is None:
        return actor.is_authenticated
    if listing.publisher_id in actor.organisation_ids(*_roles_for(listing)):
        return True
    return actor.oversees_region(listing.region, *REGION_OVERSIGHT_ROLES)


# Packages and the catalogue ------------------------------------------------------------------------


def packages_managed(actor: Actor, queryset: QuerySet) -> QuerySet:
    if actor.has_role(Role.PROVINCE_ADMIN):
        return queryset
    return queryset.filter(publisher_id__in=actor.organisation_ids(Role.CITY_OFFICIAL))


@rule("package.manage", scope=packages_managed)
def _may_manage_package(actor: Actor, package) -> bool:
    """The province and the city bureaus compile packages; each edits its own."""
    if package is None:
        return actor.has_role(Role.PROVINCE_ADMIN, Role.CITY_OFFICIAL)
    return actor.has_role(Role.PROVINCE_ADMIN) or package.publisher_id in actor.organisation_ids(Role.CITY_OFFICIAL)


@rule("catalogue.manage")
def _may_manage_catalogue(actor: Actor, edition) -> bool:
    return actor.has_role(Role.PROVINCE_ADMIN)
