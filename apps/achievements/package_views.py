"""Pages of the packages (技术包 / 成果包) and the catalogue of advanced applicable technologies."""

from django.shortcuts import render


def package_index(request):
    return render(request, "achievements/packages_index.html", {})
