from django.utils.functional import SimpleLazyObject

from accounts.roles import role_of
from notifications.services import unread_count


def unread_of(request) -> int:
    """The signed-in user's unread count, counted at most once per request (the bell, the list
    page and an htmx fragment of one request share it)."""
    cached = getattr(request, "_notifications_unread", None)
    if cached is None:
        cached = unread_count(request.user) if role_of(request.user) else 0
        request._notifications_unread = cached
    return cached


def forget_unread(request) -> None:
    """After marking read: the next read of the count counts again."""
    request.__dict__.pop("_notifications_unread", None)


def bell(request) -> dict:
    """`notifications_unread` for the navigation's bell: counted only if the page renders it."""
    return {"notifications_unread": SimpleLazyObject(lambda: unread_of(request))}
