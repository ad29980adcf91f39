"""Django's WSGI application for tests that call it in-process (schemathesis), run as Django's test
client runs it: the database connection outlives each request, since it holds the test's
transaction, so neither the start nor the end of a request closes it (on PostgreSQL it would)."""

from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

_django = get_wsgi_application()


def application(environ, start_response):
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = _django(environ, start_response)
        body = b"".join(response)
        response.close()
        return [body]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
