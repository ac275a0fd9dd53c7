"""Who may do what: the policy layer every app uses.

``may(user, action, obj)`` answers one question, ``check`` raises ``PermissionDenied`` instead,
and ``scope(user, action, queryset)`` narrows a queryset to the objects the user may act on, so
that lists and detail pages share one definition. Each app registers its rules with ``@rule``.
A user's powers come from active memberships of active organisations; an official's reach is
the region of their organisation: the province (everything), an assessment unit (its member
counties), or a county.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Q, QuerySet

from apps.accounts.models import Membership, OrganisationStatus, Role
from apps.core import errors
from apps.core.models import Region

REGION_OVERSIGHT_ROLES = (Role.PROVINCE_ADMIN, Role.CITY_OFFICIAL, Role.COUNTY_OFFICIAL)


@dataclass(frozen=True)
class Grant:
    role: str
    organisation_id: int
    region_code: str
    region_level: str
    unit_code: str | None
    organisation_status: str

    @property
    def organisation_active(self) -> bool:
        return self.organisation_status == OrganisationStatus.ACTIVE


class Actor:
    """A user with their grants loaded once per request."""

    def __init__(self, user):
        self.user = user

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user and self.user.is_authenticated and self.user.is_active)

    @property
    def is_superuser(self) -> bool:
        return self.is_authenticated and self.user.is_superuser

    @cached_property
    def all_grants(self) -> tuple[Grant, ...]:
        if not self.is_authenticated:
            return ()
        memberships = (
            Membership.objects.filter(user=self.user, is_active=True)
            .select_related("organisation__region")
            .order_by("pk")
        )
        return tuple(
            Grant(
                role=m.role,
                organisation_id=m.organisation_id,
                region_code=m.organisation.region_id,
                region_level=m.organisation.region.level,
                unit_code=m.organisation.region.unit_id,
                organisation_status=m.organisation.status,
            )
            for m in memberships
        )

    @cached_property
    def grants(self) -> tuple[Grant, ...]:
        """Grants that carry powers: those of active organisations."""
        return tuple(g for g in self.all_grants if g.organisation_active)

    def has_role(self, *roles) -> bool:
        return any(g.role in roles for g in self.grants)

    @property
    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def organisation_ids(self, *roles, include_inactive=False) -> set[int]:
        grants = self.all_grants if include_inactive else self.grants
        return {g.organisation_id for g in grants if not roles or g.role in roles}

    def _oversight_grants(self, roles):
        if not roles:
            raise ValueError("name the roles whose regional reach counts")
        return [g for g in self.grants if g.role in roles]

    def region_q(self, path: str, *roles) -> Q:
        """A filter on ``path`` (a Region foreign key) matching the regions this actor oversees in ``roles``.

        A province-level organisation reaches everything, an assessment unit its member regions,
        a county itself. Matches nothing when the actor holds none of ``roles``.
        """
        q = Q(pk__in=[])
        for grant in self._oversight_grants(roles):
            if grant.region_level == "province":
                # Not Q(): an empty Q vanishes when OR-ed with another condition.
                return Q(**{f"{path}__isnull": False})
            if grant.region_code == grant.unit_code:
                # The unit's region codes rather than a join on the region's unit: on a large table
                # the join made the planner scan it, where a set of codes lets it use an index on
                # ``path`` or walk the order's index.
                q |= Q(**{f"{path}__in": Region.objects.filter(unit=grant.region_code).values("code")})
            else:
                q |= Q(**{path: grant.region_code})
        return q

    def oversees_region(self, region, *roles) -> bool:
        for grant in self._oversight_grants(roles):
            if grant.region_level == "province":
                return True
            if grant.region_code == grant.unit_code and region.unit_id == grant.region_code:
                return True
            if grant.region_code == region.code:
                return True
        return False


def actor_user_id(actor) -> int | None:
    """The id of the user behind ``actor`` (a user or an ``Actor``) for audit columns; None when anonymous."""
    user = getattr(actor, "user", actor)
    return user.pk if user is not None and user.is_authenticated else None


def actor_for(user) -> Actor:
    """The actor for ``user``, cached on the user object for the rest of the request."""
    if isinstance(user, Actor):
        return user
    if user is None:
        return Actor(None)
    actor = getattr(user, "_hebtt_actor", None)
    if actor is None:
        actor = Actor(user)
        if user.is_authenticated:
            user._hebtt_actor = actor
    return actor


@dataclass(frozen=True)
class Rule:
    predicate: Callable[[Actor, object], bool]
    scoper: Callable[[Actor, QuerySet], QuerySet] | None


_RULES: dict[str, Rule] = {}


def rule(action: str, *, scope: Callable[[Actor, QuerySet], QuerySet] | None = None):
    """Register the predicate deciding ``action`` (and optionally its queryset scoper)."""

    def register(predicate):
        if action in _RULES:
            raise ValueError(f"a rule for {action!r} is already registered")
        _RULES[action] = Rule(predicate, scope)
        return predicate

    return register


def may(user, action: str, obj=None) -> bool:
    actor = actor_for(user)
    if not actor.is_authenticated:
        return False
    try:
        registered = _RULES[action]
    except KeyError:
        raise LookupError(f"no policy rule for {action!r}") from None
    if actor.is_superuser:
        return True
    return bool(registered.predicate(actor, obj))


def check(user, action: str, obj=None) -> Actor:
    """Raise ``PermissionDenied`` unless ``user`` may do ``action`` (on ``obj``); return the actor."""
    if not may(user, action, obj):
        raise errors.PermissionDenied()
    return actor_for(user)


def scope(user, action: str, queryset: QuerySet) -> QuerySet:
    """The objects of ``queryset`` on which ``user`` may do ``action``."""
    actor = actor_for(user)
    if not actor.is_authenticated:
        return queryset.none()
    registered = _RULES[action]
    if registered.scoper is None:
        raise LookupError(f"the rule for {action!r} has no queryset scope")
    if actor.is_superuser:
        return queryset
    return registered.scoper(actor, queryset)


# Rules of this app -----------------------------------------------------------------------------

STAFF_OVERSIGHT_ROLES = (*REGION_OVERSIGHT_ROLES, Role.REGISTRAR, Role.APPROVER)


def _organisations_visible(actor: Actor, queryset: QuerySet) -> QuerySet:
    own = actor.organisation_ids(include_inactive=True)
    return queryset.filter(Q(pk__in=own) | actor.region_q("region", *STAFF_OVERSIGHT_ROLES))


@rule("organisation.view", scope=_organisations_visible)
def _may_view_organisation(actor: Actor, organisation) -> bool:
    if organisation is None:
        return bool(actor.all_grants)
    return organisation.pk in actor.organisation_ids(include_inactive=True) or actor.oversees_region(
        organisation.region, *STAFF_OVERSIGHT_ROLES
    )


def _organisations_overseen(actor: Actor, queryset: QuerySet) -> QuerySet:
    return queryset.filter(actor.region_q("region", *REGION_OVERSIGHT_ROLES))


@rule("organisation.review", scope=_organisations_overseen)
def _may_review_organisation(actor: Actor, organisation) -> bool:
    """Activate or reject a sign-up: the bureaus whose area includes the organisation."""
    if organisation is None:
        return actor.has_role(*REGION_OVERSIGHT_ROLES)
    return actor.oversees_region(organisation.region, *REGION_OVERSIGHT_ROLES)


@rule("organisation.contacts")
def _may_see_organisation_contacts(actor: Actor, organisation) -> bool:
    """An organisation's contact person, phone, e-mail, address and members: its own users, and the
    bureaus that review it; not every official who may see it (registration offices, approvers)."""
    if organisation is None:
        return False
    if organisation.pk in actor.organisation_ids(include_inactive=True):
        return True
    return _may_review_organisation(actor, organisation)


def _organisations_supervised(actor: Actor, queryset: QuerySet) -> QuerySet:
    return queryset.filter(actor.region_q("region", Role.PROVINCE_ADMIN, Role.CITY_OFFICIAL))


@rule("organisation.supervise", scope=_organisations_supervised)
def _may_supervise_organisation(actor: Actor, organisation) -> bool:
    """Suspend or reinstate: the province, or the city bureau of the organisation's unit."""
    if organisation is None:
        return actor.has_role(Role.PROVINCE_ADMIN, Role.CITY_OFFICIAL)
    return actor.oversees_region(organisation.region, Role.PROVINCE_ADMIN, Role.CITY_OFFICIAL)


@rule("membership.create")
def _may_create_membership(actor: Actor, membership) -> bool:
    """The province appoints anyone; a city bureau appoints non-official roles in its unit."""
    if actor.has_role(Role.PROVINCE_ADMIN) and actor.oversees_region(
        membership.organisation.region, Role.PROVINCE_ADMIN
    ):
        return True
    return membership.role not in (*REGION_OVERSIGHT_ROLES,) and actor.oversees_region(
        membership.organisation.region, Role.CITY_OFFICIAL
    )


@rule("reference.manage")
def _may_manage_reference(actor: Actor, obj) -> bool:
    return actor.has_role(Role.PROVINCE_ADMIN)


@rule("two_factor.enrol")
def _may_enrol_two_factor(actor: Actor, obj) -> bool:
    """Two-factor is offered to officials: the bureaus, registration offices and approvers."""
    return actor.has_role(*STAFF_OVERSIGHT_ROLES)


@rule("two_factor.reset")
def _may_reset_two_factor(actor: Actor, user) -> bool:
    """Turn off someone's two-factor (a lost phone): the province, or admin staff who may change users."""
    if user is not None and user.pk == actor.user.pk:
        return False  # one's own goes off with one's own code
    return actor.has_role(Role.PROVINCE_ADMIN) or (actor.user.is_staff and actor.user.has_perm("accounts.change_user"))
