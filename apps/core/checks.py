"""Deployment checks of the portal as a whole."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
DROPPING_BACKENDS = ("django.core.mail.backends.dummy.EmailBackend",)


@register(Tags.security, deploy=True)
def email_check(app_configs, **kwargs):
    """Outside development, mail must go to a mail server: the console backend writes every message
    (addresses, names, report attachments) into the logs, and the default without EMAIL_URL drops it."""
    if settings.DEBUG:
        return []
    if settings.EMAIL_BACKEND == CONSOLE_BACKEND:
        return [
            Error(
                "EMAIL_URL is the console backend with DEBUG off: every e-mail, with the addresses, names "
                "and attachments it holds, would be written to the logs.",
                hint="Set EMAIL_URL to the mail server, e.g. smtp+tls://user:password@smtp.example.gov.cn:587.",
                id="core.E001",
            )
        ]
    if settings.EMAIL_BACKEND in DROPPING_BACKENDS:
        return [
            Warning(
                "EMAIL_URL is not set: no e-mail is sent (reminders, password resets, reports).",
                hint="Set EMAIL_URL to the mail server, e.g. smtp+tls://user:password@smtp.example.gov.cn:587.",
                id="core.W001",
            )
        ]
    return []
