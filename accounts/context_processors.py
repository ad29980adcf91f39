from .navigation import entries_for
from .roles import THREE_ADMINS, Role, role_of


def role(request) -> dict:
    """The signed-in user's role, for navigation and per-role pages."""
    current = role_of(getattr(request, "user", None))
    return {
        "role": current,
        "Role": Role,
        "is_three_admin": current in THREE_ADMINS,
        "nav_entries": entries_for(request.user, current) if current else [],
    }
