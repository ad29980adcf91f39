"""Account rules shared by allocation, registration, member management and the platform admins."""

import secrets
import string

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import record
from accounts.models import Organization, User

# Unambiguous characters only: initial passwords are read off a sheet and typed by hand.
_LOWER = "abcdefghjkmnpqrstuvwxyz"
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "23456789"
_SYMBOLS = "@#%+=?!"


def platform_organization() -> Organization:
    """The platform's own organisation (the operators and the three administrators belong to it;
    the base library's uploads are filed under it)."""
    return Organization.objects.get(kind=Organization.Kind.PLATFORM)


def generate_initial_password(length: int = 12) -> str:
    """A one-time password meeting the complexity rule (all four classes present)."""
    pools = [_LOWER, _UPPER, _DIGITS, _SYMBOLS]
    chars = [secrets.choice(pool) for pool in pools]
    everything = "".join(pools)
    chars += [secrets.choice(everything) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def suggest_username(prefix: str) -> str:
    """A free username built from a prefix (pinyin-free: a short random suffix keeps it unique)."""
    base = "".join(c for c in prefix.lower() if c in string.ascii_lowercase + string.digits + "_") or "user"
    while True:
        candidate = f"{base}_{secrets.randbelow(10**6):06d}"
        if not User.objects.filter(username=candidate).exists():
            return candidate


@transaction.atomic
def create_account_with_initial_password(
    *,
    actor: User | None,
    organization: Organization | None,
    username: str,
    full_name: str = "",
    phone: str = "",
    email: str = "",
    is_org_admin: bool = False,
    is_expert: bool = False,
    request=None,
) -> tuple[User, str]:
    """Create a user with a one-time password that must be changed at first login.

    Returns the user and the clear-text initial password, which the caller shows or hands
    over once (result sheet, page) and never stores.
    """
    if User.objects.filter(username__iexact=username).exists():
        raise ValueError(_("用户名“%(username)s”已被占用") % {"username": username})
    password = generate_initial_password()
    user = User(
        username=username,
        organization=organization,
        full_name=full_name,
        phone=phone,
        email=email,
        is_org_admin=is_org_admin,
        is_expert=is_expert,
        must_change_password=True,
    )
    user.set_password(password)
    user.save()
    record(
        "account.create",
        actor=actor,
        request=request,
        target=user,
        after={"username": username, "organization": organization.name if organization else "",
               "is_org_admin": is_org_admin, "is_expert": is_expert},
        organization=organization,
    )
    return user, password


@transaction.atomic
def reset_password(*, actor: User | None, user: User, request=None, **detail) -> str:
    """Give a user a new one-time password (to be changed at next login); returns it once. `detail`
    goes into the audit event (via="command_line" from a management command)."""
    password = generate_initial_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    record("account.password_reset", actor=actor, request=request, target=user, organization=user.organization,
           **detail)
    return password


@transaction.atomic
def set_active(*, actor: User, user: User, active: bool, request=None) -> None:
    before = {"is_active": user.is_active}
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(
        "account.activate" if active else "account.deactivate",
        actor=actor, request=request, target=user, before=before, after={"is_active": active},
        organization=user.organization,
    )


@transaction.atomic
def change_own_password(*, user: User, new_password: str, request=None) -> None:
    """A user replaces their own password (first login, expiry, or by choice): the forced-change
    flag is cleared and the change audited in the same transaction."""
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    record("account.password_change", actor=user, request=request, target=user, organization=user.organization)
