from apps.accounts.policies import actor_for
from apps.core.navigation import nav_for


def navigation(request):
    actor = actor_for(getattr(request, "user", None))
    if not actor.is_authenticated:
        return {"nav_entries": [], "actor_roles": set()}
    return {"nav_entries": nav_for(actor), "actor_roles": actor.roles}
