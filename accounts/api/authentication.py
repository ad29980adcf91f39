"""API authentication by managed token (accounts.tokens): `Authorization: Token pn_…`."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts import tokens


class ManagedTokenAuthentication(TokenAuthentication):
    """An active, unexpired token of an active user; `request.auth` is the APIToken."""

    def authenticate_credentials(self, key):
        token = tokens.authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效、已过期或已吊销。"))
        return token.user, token
