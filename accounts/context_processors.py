from accounts.roles import Role, role_of
from ground.registry import site


def _view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else ""


def role(request) -> dict:
    """The signed-in user's role, for navigation and per-role pages."""
    current = role_of(getattr(request, "user", None))
    return {
        "role": current,
        "Role": Role,
        "nav_menu": site.menu_for(request.user, current, _view_name(request)) if current else [],
    }
