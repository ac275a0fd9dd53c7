"""Deployment checks of the contracts app."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def public_url_check(app_configs, **kwargs):
    """Certificates print HEBTT_PUBLIC_URL in their QR codes for good: it must be the real https address."""
    url = settings.HEBTT_PUBLIC_URL
    if url.startswith("https://") and "localhost" not in url and "127.0.0.1" not in url:
        return []
    return [
        Warning(
            f"HEBTT_PUBLIC_URL is {url!r}: certificates would print it in their QR codes.",
            hint="Set HEBTT_PUBLIC_URL to the portal's public https address, e.g. https://hebtt.example.gov.cn.",
            id="contracts.W001",
        )
    ]
