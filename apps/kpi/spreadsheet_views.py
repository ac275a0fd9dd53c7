"""Assessment spreadsheets (考核表): downloads and the upload of reported returns (filled in later)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def index(request):
    return HttpResponse("")
