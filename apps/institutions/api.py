"""API of the institutions registry (placeholder until the API lands)."""

from rest_framework import viewsets

from apps.institutions import selectors
from apps.institutions.models import Institution


class InstitutionViewSet(viewsets.GenericViewSet):
    queryset = Institution.objects.none()

    def get_queryset(self):
        return selectors.institution_list(actor=self.request.user)
