import pytest


def pytest_configure(config) -> None:
    """argon2 is deliberately slow (~50 ms a hash, far more on a loaded machine); tests that are
    not about hashing use a fast hasher. pytest-django has loaded settings before this file, so
    the list is changed here, before any password is hashed. Argon2 stays in the list, and
    tests/test_security.py checks that it leads outside tests."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    # Tests sign the world's users in with `force_login`, a password alone: the second factor the
    # operator and the three administrators owe, and the API's throttling, which counts requests
    # across tests, are switched on by the tests of those controls (tests/test_two_factor.py,
    # tests/test_api_tokens.py), with the settings fixture.
    settings.TWO_FACTOR_REQUIRED = False
    settings.API_THROTTLE_RATES = {"token": None, "user": None}


@pytest.fixture(autouse=True)
def _celery_tasks_in_process(request):
    """Run Celery tasks in-process for every test but those marked celery_worker.

    With REDIS_URL set (the PostgreSQL + Redis CI run) settings send tasks to Redis, where no
    worker listens during ordinary tests; eager mode keeps those tests self-contained, and
    eager propagation makes a failing task fail its test. The celery_worker tests need the
    real broker, so they keep the configured behaviour.
    """
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    from patentnavi.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _default_language():
    """Django's locale middleware leaves the last request's language active in the thread; a
    test that browsed in English must not turn the next test's messages English."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
