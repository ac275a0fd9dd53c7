"""Admin of the marketplace: read-only views for support staff; writes go through the services."""

from apps.achievements import package_admin  # noqa: F401
