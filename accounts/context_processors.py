from accounts.roles import Role, role_of
from ground.registry import site


def role(request) -> dict:
    """The signed-in user's role, for navigation and per-role pages."""
    current = role_of(getattr(request, "user", None))
    return {
        "role": current,
        "Role": Role,
        "nav_entries": site.entries_for(request.user, current) if current else [],
    }
