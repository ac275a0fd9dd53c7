"""Pages of the contracts app (placeholder until the pages land)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def contract_mine(request):
    return HttpResponse()


contract_queue = contract_search = contract_mine


@login_required
def contract_detail(request, pk):
    return HttpResponse()
