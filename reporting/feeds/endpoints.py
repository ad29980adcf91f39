"""Checking a province's push endpoint, and the secret its batches are signed with.

An endpoint is https, on a public address (every address its host resolves to; checked when it
is saved and again at each sending, and the sending connects to the very address it checked:
notifications.webhooks does both). The one exception is settings.FEED_ALLOW_HTTP_LOOPBACK, for the
tests' receiver: http://127.0.0.1 only, never another host or a private network.
"""

import secrets
import urllib.parse

from django.conf import settings
from django.utils.translation import gettext as _

from notifications.webhooks import Target, WebhookError, check_url

LOOPBACK = "127.0.0.1"


class EndpointError(ValueError):
    """An endpoint the platform will not push to; the message says why in Chinese."""


def new_secret() -> str:
    """A signing secret generated on the server (never chosen by the province)."""
    return f"whsec_{secrets.token_urlsafe(32)}"


def check_endpoint(url: str) -> Target:
    """The checked target of a push endpoint; EndpointError naming what is wrong otherwise."""
    url = (url or "").strip()
    if not url:
        raise EndpointError(_("请填写推送地址。"))
    if len(url) > 500:
        raise EndpointError(_("推送地址过长(最多 500 个字符)。"))
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        raise EndpointError(_("推送地址格式不正确。")) from None
    loopback_test = settings.FEED_ALLOW_HTTP_LOOPBACK and parts.hostname == LOOPBACK
    if parts.scheme != "https" and not (loopback_test and parts.scheme == "http"):
        raise EndpointError(_("推送地址必须以 https:// 开头(生产环境不接受 http 等其他协议)。"))
    try:
        return check_url(url, allow_private=loopback_test)
    except WebhookError as error:
        raise EndpointError(_("推送地址不可用:%(reason)s") % {"reason": error}) from None
