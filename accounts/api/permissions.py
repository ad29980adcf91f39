"""Permissions every API request passes (settings: REST_FRAMEWORK's DEFAULT_PERMISSION_CLASSES)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts.middleware import password_change_due


class PasswordIsCurrent(BasePermission):
    """The API honours the forced password change too: an account whose initial or expired
    password must change is refused until it is changed in the browser."""

    message = _("请先登录平台修改初始密码或已过期的密码,再使用数据接口。")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return not (user and user.is_authenticated and password_change_due(user))
