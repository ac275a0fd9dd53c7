from apps.accounts.policies import actor_for
from apps.core.navigation import nav_menus_for


def navigation(request):
    """The navigation bar's menus for the actor, with the current page's entry and menu marked.

    Anonymous visitors get the public entries only (e.g. the institution directory): every other
    entry asks a policy, which says no.
    """
    actor = actor_for(getattr(request, "user", None))
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match is not None else None
    menus = [
        {"menu": menu, "current": current in {entry.url_name for entry in menu.entries}}
        for menu in nav_menus_for(actor)
    ]
    return {"nav_menus": menus, "actor_roles": actor.roles if actor.is_authenticated else set()}
