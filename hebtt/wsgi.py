"""WSGI entry point (gunicorn hebtt.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hebtt.settings")

application = get_wsgi_application()
