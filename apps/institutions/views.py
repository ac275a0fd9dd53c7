"""Pages of the institutions registry (placeholder until the pages land)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def institution_list(request):
    return HttpResponse()


@login_required
def institution_detail(request, pk):
    return HttpResponse()


def directory(request):
    return HttpResponse()
