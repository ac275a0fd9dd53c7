"""Middleware: the language, NUL characters refused at the door, and domain errors that escaped a page.

Language selection: Simplified Chinese unless the user chose another language. Django's
LocaleMiddleware would follow the browser's Accept-Language, which shows English to an official
whose browser happens to be set up in English. The portal's language is the one chosen with the
language switch (the cookie set by ``set_language``), else LANGUAGE_CODE.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.validators import ProhibitNullCharactersValidator
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation

from apps.core import api, errors, views


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class NulCharacterMiddleware:
    """Refuses a NUL character in the path, the query string or a cookie with 400 ``null_characters_not_allowed``.

    PostgreSQL stores no NUL in text: a value with one, looked up or filtered on, made psycopg2 raise
    ValueError (a 500) wherever a view or a selector reads ``request.GET`` itself. Forms and
    serializers refuse NULs in the body already (``ProhibitNullCharactersValidator``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            return self.refuse(request, field=None)
        for source in (request.GET, request.COOKIES):
            items = source.lists() if hasattr(source, "lists") else ((key, [value]) for key, value in source.items())
            for key, values in items:
                if "\x00" in key or any("\x00" in value for value in values):
                    return self.refuse(request, field=key.replace("\x00", ""))
        return self.get_response(request)

    def refuse(self, request, *, field):
        error = errors.InvalidInput(
            ProhibitNullCharactersValidator.message, code=ProhibitNullCharactersValidator.code, field=field
        )
        if api.is_api_request(request):
            return JsonResponse(error.as_dict(), status=error.status)
        request.user = AnonymousUser()  # the page is shown without the session: its cookie may be the NUL
        return render(request, "error.html", {"error": error}, status=error.status)


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
