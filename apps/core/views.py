from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework import exceptions

from apps.accounts.models import OrganisationStatus
from apps.accounts.policies import actor_for
from apps.core import api
from apps.core.health import service_health
from apps.core.navigation import cards_for


def home(request):
    actor = actor_for(request.user)
    if not actor.is_authenticated:
        return render(request, "core/landing.html")
    awaiting = not actor.grants and any(g.organisation_status == OrganisationStatus.PENDING for g in actor.all_grants)
    return render(request, "core/home.html", {"cards": cards_for(request, actor), "awaiting_activation": awaiting})


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness for load balancers and compose: 200 when the database and Redis answer."""
    state = service_health()
    status = 200 if state["database"]["ok"] and state["redis"]["ok"] else 503
    return JsonResponse(state, status=status)


# Django answers these before any API view runs (an unknown URL under /api/, a request it finds
# suspicious, an error in a middleware): the API's answer is still its error format, not a page.


def error_400(request, exception):
    if api.is_api_request(request):
        return api.error_json(exceptions.ParseError())
    return defaults.bad_request(request, exception)


def error_404(request, exception):
    if api.is_api_request(request):
        return api.error_json(exceptions.NotFound())
    return render(request, "404.html", status=404)


def error_403(request, exception):
    if api.is_api_request(request):
        return api.error_json(exceptions.PermissionDenied())
    return render(request, "403.html", status=403)


def error_500(request):
    if api.is_api_request(request):
        return api.error_json(exceptions.APIException())
    return render(request, "500.html", status=500)
