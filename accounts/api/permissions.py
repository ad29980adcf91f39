"""Permissions every API request passes (settings: REST_FRAMEWORK's DEFAULT_PERMISSION_CLASSES)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts import two_factor
from accounts.middleware import password_change_due
from accounts.models import APIToken


class PasswordIsCurrent(BasePermission):
    """The API honours the forced password change too: an account whose initial or expired
    password must change is refused until it is changed in the browser."""

    message = _("请先登录平台修改初始密码或已过期的密码,再使用数据接口。")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return not (user and user.is_authenticated and password_change_due(user))


class SecondFactorPassed(BasePermission):
    """A browser session calling the API must have passed the second factor where the user owes
    one (a token is only issued to such a session in the first place)."""

    message = _("请先登录平台完成两步验证,再使用数据接口。")

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, APIToken) or not (request.user and request.user.is_authenticated):
            return True
        return not two_factor.is_due(request._request)


class TokenScope(BasePermission):
    """A read-only token may only read (GET, HEAD, OPTIONS)."""

    message = _("只读令牌不能修改数据。")

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if isinstance(token, APIToken) and token.scope != APIToken.Scope.WRITE:
            return request.method in SAFE_METHODS
        return True
