"""Who may apply for subsidies, review applications, manage programmes and object.

- Enterprises, universities, institutes and transfer institutions apply for their own organisation
  and see their applications in every state.
- City officials make the first review of the applications of their assessment unit; county
  officials see those of their county; the province makes the final decision, records awards and
  payments, resolves objections, and manages programmes and budgets.
- During the public notice, any signed-in user may object; the notice page itself is public.
"""

from django.db.models import Q, QuerySet

from apps.accounts.models import Role
from apps.accounts.policies import REGION_OVERSIGHT_ROLES, Actor, rule
from apps.subsidies.models import ApplicationStatus

APPLICANT_ROLES = (Role.ENTERPRISE, Role.UNIVERSITY, Role.INSTITUTION)
PRIVATE_STATES = (ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN)


def applications_visible(actor: Actor, queryset: QuerySet) -> QuerySet:
    own = Q(applicant_id__in=actor.organisation_ids(*APPLICANT_ROLES, include_inactive=True))
    overseen = actor.region_q("applicant__region", *REGION_OVERSIGHT_ROLES) & ~Q(status__in=PRIVATE_STATES)
    return queryset.filter(own | overseen)


@rule("subsidy.view", scope=applications_visible)
def _may_view(actor: Actor, application) -> bool:
    if application is None:
        return bool(actor.grants)
    return applications_visible(actor, type(application).objects.filter(pk=application.pk)).exists()


def _own(actor: Actor, queryset: QuerySet) -> QuerySet:
    return queryset.filter(applicant_id__in=actor.organisation_ids(*APPLICANT_ROLES))


@rule("subsidy.apply", scope=_own)
def _may_apply(actor: Actor, obj) -> bool:
    """Apply for ``obj``: an application, or the organisation that would apply."""
    own = actor.organisation_ids(*APPLICANT_ROLES)
    if obj is None:
        return bool(own)
    applicant_id = getattr(obj, "applicant_id", None)
    return (applicant_id if applicant_id is not None else obj.pk) in own


def _city_reviewable(actor: Actor, queryset: QuerySet) -> QuerySet:
    return queryset.filter(actor.region_q("applicant__region", Role.CITY_OFFICIAL))


@rule("subsidy.city_review", scope=_city_reviewable)
def _may_city_review(actor: Actor, application) -> bool:
    if application is None:
        return actor.has_role(Role.CITY_OFFICIAL)
    return actor.oversees_region(application.applicant.region, Role.CITY_OFFICIAL)


@rule("subsidy.decide")
def _may_decide(actor: Actor, obj) -> bool:
    """The province decides, awards, pays, resolves objections and manages programmes."""
    return actor.has_role(Role.PROVINCE_ADMIN)


@rule("subsidy.bank_account")
def _may_see_bank_account(actor: Actor, application) -> bool:
    """An application's bank account: the applicant's users, who entered it, and the province, which
    decides and pays; not the city and county officials who review it."""
    if application is None:
        return False
    own = actor.organisation_ids(*APPLICANT_ROLES, include_inactive=True)
    return application.applicant_id in own or actor.has_role(Role.PROVINCE_ADMIN)


@rule("subsidy.object")
def _may_object(actor: Actor, application) -> bool:
    """Anyone signed in, except the applicant itself."""
    if application is None:
        return actor.is_authenticated
    return application.applicant_id not in actor.organisation_ids(include_inactive=True)
