"""Marketplace pages: achievements and needs, public and for their publishers."""

from django.shortcuts import render


def achievement_index(request):
    return render(request, "achievements/index.html", {})
