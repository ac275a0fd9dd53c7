"""Language selection: Simplified Chinese unless the user chose another language.

Django's LocaleMiddleware would follow the browser's Accept-Language, which shows English to an
official whose browser happens to be set up in English. The portal's language is the one chosen
with the language switch (the cookie set by ``set_language``), else LANGUAGE_CODE.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
