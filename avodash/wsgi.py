"""WSGI entry point (gunicorn avodash.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "avodash.settings")
application = get_wsgi_application()
