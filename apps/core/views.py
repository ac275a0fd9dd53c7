import sys

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy as _
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


class ServiceUnavailable(exceptions.APIException):
    status_code = 503
    default_code = "service_unavailable"
    default_detail = _("The portal cannot reach its database for a moment. Please try again in a minute.")


RETRY_AFTER = 30  # seconds: PostgreSQL restarting or failing over


def database_unreachable(error) -> bool:
    """Whether ``error`` is a lost or refused connection to PostgreSQL, or PostgreSQL shutting down or starting
    up: nothing the request did, and over when the server is back. A query's own failure (a deadlock, a
    timeout, a constraint) is not."""
    from django.db import InterfaceError, OperationalError, connection

    driver = connection.Database  # psycopg2, whose errors Django's wrap (as __cause__)
    cause = error.__cause__ if isinstance(error, OperationalError | InterfaceError) else None
    if isinstance(cause, driver.InterfaceError):
        return True  # a connection already closed
    if not isinstance(cause, driver.OperationalError):
        return False
    code = cause.pgcode or ""
    # Refused or cut connections carry no SQLSTATE; 08: connection exceptions; 57P: shutdown, starting up.
    return (type(cause) is driver.OperationalError and not code) or code.startswith(("08", "57P"))


def error_500(request):
    if database_unreachable(sys.exc_info()[1]):
        return _unavailable(request)
    if api.is_api_request(request):
        return api.error_json(exceptions.APIException())
    return render(request, "500.html", status=500)


def _unavailable(request):
    """503 with Retry-After, written without the database: no context processor, no session, no user."""
    if api.is_api_request(request):
        response = api.error_json(ServiceUnavailable())
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response
