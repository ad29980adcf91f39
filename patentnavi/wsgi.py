"""The web process (gunicorn, and runserver through WSGI_APPLICATION)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patentnavi.settings")
application = get_wsgi_application()

# Imported once the apps are loaded: the search segmenter's dictionary loads in a background
# thread as the web process starts, not on the first keyword search (about a second).
from inventory.search import warm_up  # noqa: E402

warm_up()
