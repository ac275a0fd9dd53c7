"""Language selection: Simplified Chinese unless the user chose another language.

Django's LocaleMiddleware would follow the browser's Accept-Language, which shows English to an
official whose browser happens to be set up in English. The portal's language is the one chosen
with the language switch (the cookie set by ``set_language``), else LANGUAGE_CODE.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation

from apps.core import errors, views


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class DomainErrorMiddleware:
    """Answers a domain error that escaped an HTML view as a page, never as a server error.

    NotFound becomes the 404 page and PermissionDenied the 403 page, so a selector's refusal looks
    the same as a missing object; any other refusal is shown on an error page with its status.
    The API has its own handler (apps.core.api.exception_handler).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, errors.DomainError):
            return None
        if isinstance(exception, errors.NotFound):
            return views.error_404(request, exception)
        if isinstance(exception, errors.PermissionDenied):
            return views.error_403(request, exception)
        return render(request, "error.html", {"error": exception}, status=exception.status)
