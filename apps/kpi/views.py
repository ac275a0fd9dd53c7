"""Dashboards of the plan's indicators (filled in with the dashboards)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def dashboard(request):
    return HttpResponse("")
