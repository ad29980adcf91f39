"""Every URL pattern of the project, and how the isolation harness exercises it.

A route that is not registered here fails `test_every_route_is_covered`: a new page or
endpoint cannot ship without its place in the isolation matrix.
"""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    pattern: str  # the full pattern, for messages
    kwargs: tuple[str, ...]  # names of the URL's parameters
    callback: object


def all_routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str | None, converters: tuple[str, ...]) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), ns,
                     converters + tuple(entry.pattern.regex.groupindex))
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
                kwargs = converters + tuple(entry.pattern.regex.groupindex)
                found.append(Route(name, prefix + str(entry.pattern), kwargs, entry.callback))

    walk(get_resolver().url_patterns, "", None, ())
    return found


# Pages anyone may open (no scoped data) — still scanned for markers as every role.
PUBLIC = {
    "accounts:login", "accounts:register", "accounts:register_done", "set_language",
    "api-schema", "api-docs", "api-redoc", "api-root",
}
# Not exercised: media files are served by the web server in production, never by Django there.
SKIPPED: dict[str, str] = {
    # Public like the login page they belong to, keyed by a one-time random key and showing no data:
    # tests/test_anonymous_routes.py and tests/test_lockout.py exercise them.
    "captcha-image": "the login form's captcha image",
    "captcha-image-2x": "the login form's captcha image, twice the size",
}
# Routes that act (POST) rather than show; each maps to the world model it acts on.
