"""API building blocks shared by every app's `api/` package."""

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission

from accounts.middleware import password_change_due


class KeysetPagination(CursorPagination):
    """Keyset (cursor) pagination: constant cost per page however deep, for 1.5 million rows."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class ScopedViewSetMixin:
    """Every API viewset reads through the model's `visible_to(user)`; out of scope answers 404.

    A concrete viewset declares `queryset` (with its select_related / ordering) and nothing else;
    the scope is applied here, once.
    """

    queryset = None

    def get_queryset(self):
        return self.queryset.visible_to(self.request.user)


class PasswordIsCurrent(BasePermission):
    """The API honours the forced password change too: an account whose initial or expired
    password must change is refused until it is changed in the browser."""

    message = _("请先登录平台修改初始密码或已过期的密码,再使用数据接口。")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return not (user and user.is_authenticated and password_change_due(user))
