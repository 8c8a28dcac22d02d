"""WSGI entry point for gunicorn: `gunicorn townhall.wsgi` (set DJANGO_SETTINGS_MODULE in production)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings.local")
application = get_wsgi_application()
