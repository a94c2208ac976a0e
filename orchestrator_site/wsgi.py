"""WSGI entry point for gunicorn (deploy/gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orchestrator_site.settings")

application = get_wsgi_application()

from orchestrator_site.startup import on_start  # noqa: E402

on_start()
