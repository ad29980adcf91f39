from .navigation import entries_for
from .roles import Role, role_of


def role(request) -> dict:
    """The signed-in user's role, for navigation and per-role pages."""
    current = role_of(getattr(request, "user", None))
    return {
        "role": current,
        "Role": Role,
        "nav_entries": entries_for(request.user, current) if current else [],
    }
