"""Page-level role gates. They decide which pages a role may open at all (403 otherwise);
which rows a page shows is still decided by `visible_to` / `editable_by`."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from accounts.roles import role_of


def role_required(*roles: str, message: str = "") -> Callable:
    """Sign-in required; then 403 for every role but `roles`. The pages are never cached: they
    show accounts, one-time passwords, uploads and audit records."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if role_of(request.user) not in roles:
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return login_required(never_cache(wrapped))

    return decorator
