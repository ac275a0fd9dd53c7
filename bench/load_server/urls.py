"""URLs of the load benchmark's server: the portal's, plus bare views that answer recorded bytes.

The bare views are the reference of bench/api_load.py: the same gunicorn, middleware and response
size as the real endpoints, but no authentication, database, policy or serializer. Their bodies
are the real endpoints' responses, recorded by the benchmark into the directory named by
``HEBTT_BENCH_RECORDED`` before the first bare request (``<name>.json``).

Two more references for ``--breakdown``: ``bench/drf/contracts/`` is the real list as it was
before its hand-written serialisation (model instances through DRF's ``ContractListSerializer``),
and ``bench/auth/list/<name>/`` answers the recorded list behind DRF and token authentication
(one query): the floor of any authenticated API call.

The computed bare views (``computed.py``) compute the real endpoints' JSON per request in plain
Django and hand-written SQL: the reference the goals of issue 8 are judged against.
"""

import os
from pathlib import Path

from django.http import Http404, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from rest_framework.views import APIView

from apps.contracts.api import ContractListSerializer, ContractViewSet
from apps.core.pagination import StandardPagination
from bench.load_server.computed import computed_create, computed_list
from hebtt.urls import handler403, handler404, handler500  # noqa: F401
from hebtt.urls import urlpatterns as portal_urlpatterns

_bodies: dict[str, bytes] = {}


def _recorded(name: str) -> bytes:
    body = _bodies.get(name)
    if body is None:
        file = Path(os.environ["HEBTT_BENCH_RECORDED"]) / f"{name}.json"
        if not file.is_file():
            raise Http404
        body = _bodies[name] = file.read_bytes()
    return body


@require_GET
def bare_list(request, name):
    return HttpResponse(_recorded(f"list-{name}"), content_type="application/json")


@csrf_exempt
@require_POST
def bare_create(request):
    request.body  # noqa: B018 (read the request as the real view does)
    return HttpResponse(_recorded("create"), status=201, content_type="application/json")


class AuthFloorApi(APIView):
    def get(self, request, name):
        return HttpResponse(_recorded(f"list-{name}"), content_type="application/json")


class DrfListContractViewSet(ContractViewSet):
    pagination_class = StandardPagination

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ContractListSerializer(page, many=True).data)


urlpatterns = [
    path("bench/auth/list/<slug:name>/", AuthFloorApi.as_view(), name="bench-auth-list"),
    path("bench/drf/contracts/", DrfListContractViewSet.as_view({"get": "list"}), name="bench-drf-list"),
    path("bench/bare/list/<slug:name>/", bare_list, name="bench-bare-list"),
    path("bench/bare/create/", bare_create, name="bench-bare-create"),
    path("bench/computed/list/<slug:name>/", computed_list, name="bench-computed-list"),
    path("bench/computed/create/", computed_create, name="bench-computed-create"),
    *portal_urlpatterns,
]
