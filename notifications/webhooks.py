"""Posting to group robots (企业微信, 钉钉) safely.

A webhook address is typed in by an organisation's admin, so the platform's servers would post
wherever it points: `check_url` refuses anything but http(s) to public addresses (every address
the host resolves to must be public: not private, loopback, link-local, reserved, multicast,
unspecified or otherwise not globally reachable), unless settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS
(tests, closed intranets). It is checked when the robot is saved and again at each sending,
and `post_json` connects to the very address it checked (DNS rebinding cannot swap it in
between), with short timeouts and no redirects, through urllib3.

    post_json(url, {"msgtype": "markdown", ...})      # raises WebhookError with a Chinese message
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.parse
from dataclasses import dataclass

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

# Bytes of a robot's answer read at most: its JSON is a few dozen.
MAX_ANSWER_BYTES = 64 * 1024


class WebhookError(Exception):
    """The address was refused, or the robot did not accept the message; the message says why in Chinese."""


class NoAnswer(WebhookError):
    """No answer came: `timed_out`, or the connection failed (`error` names how)."""

    def __init__(self, message: str, *, timed_out: bool, error: str = "") -> None:
        super().__init__(message)
        self.timed_out = timed_out
        self.error = error


@dataclass(frozen=True)
class Target:
    """A checked webhook: where to connect (the address checked) and what to ask for."""

    scheme: str
    host: str
    port: int
    address: str
    path: str


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    # Not globally reachable covers the shared (100.64/10), documentation and benchmarking ranges too.
    return (not address.is_global or address.is_private or address.is_loopback or address.is_link_local
            or address.is_reserved or address.is_multicast or address.is_unspecified)


def check_url(url: str, *, allow_private: bool | None = None) -> Target:
    """The target of `url` after every check (see the module's docstring); WebhookError otherwise.
    `allow_private` overrides settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS for callers with a rule of their own."""
    try:
        parts = urllib.parse.urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        raise WebhookError(_("Webhook 地址格式不正确。")) from None
    if parts.scheme not in ("http", "https"):
        raise WebhookError(_("Webhook 地址只能以 http:// 或 https:// 开头。"))
    host = parts.hostname
    if not host:
        raise WebhookError(_("Webhook 地址缺少主机名。"))
    if parts.username or parts.password:
        raise WebhookError(_("Webhook 地址不能包含用户名或密码。"))
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise WebhookError(_("无法解析 Webhook 地址的主机名 %(host)s。") % {"host": host}) from None
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in found]
    if not addresses:
        raise WebhookError(_("无法解析 Webhook 地址的主机名 %(host)s。") % {"host": host})
    if allow_private is None:
        allow_private = settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS
    if not allow_private:
        refused = [str(a) for a in addresses if _forbidden(a)]
        if refused:
            raise WebhookError(_("Webhook 地址指向内网、本机或保留地址(%(addresses)s),不允许使用。")
                               % {"addresses": ", ".join(refused)})
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, host, port, str(addresses[0]), path)


@dataclass(frozen=True)
class Answer:
    """What the far end answered: its HTTP status and the first MAX_ANSWER_BYTES of its body."""

    status: int
    body: bytes


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float) -> Answer:
    """POST `body` to the checked address of `target` (never a fresh lookup of its host name),
    `timeout` seconds to connect and to answer, no redirects followed; WebhookError when no
    answer came (timeout, refused connection, TLS failure)."""
    pool_timeout = urllib3.Timeout(connect=timeout, read=timeout)
    options = {"host": target.address, "port": target.port, "timeout": pool_timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        # Connect to the checked address, but verify the certificate of the host name (and send it as SNI).
        pool = urllib3.HTTPSConnectionPool(**options, server_hostname=target.host, assert_hostname=target.host,
                                           cert_reqs="CERT_REQUIRED")
    else:
        pool = urllib3.HTTPConnectionPool(**options)
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host:
        host_header = f"[{target.host}]" if target.port == default_port else f"[{target.host}]:{target.port}"
    try:
        response = pool.urlopen("POST", target.path, body=body, headers={"Host": host_header, **headers},
                                redirect=False, preload_content=False)
        try:
            raw = response.read(MAX_ANSWER_BYTES)
        finally:
            response.release_conn()
    except urllib3.exceptions.TimeoutError:
        raise NoAnswer(_("连接超时(%(seconds)s 秒内无应答)。") % {"seconds": timeout}, timed_out=True) from None
    except urllib3.exceptions.HTTPError as error:
        raise NoAnswer(_("无法连接:%(error)s") % {"error": type(error).__name__}, timed_out=False,
                       error=type(error).__name__) from None
    finally:
        pool.close()
    return Answer(response.status, raw)


def post_json(url: str, payload: dict) -> dict:
    """POST `payload` as JSON to the checked address of `url`; the robot's JSON answer when it
    says errcode 0, WebhookError otherwise (refused address, timeout, HTTP error, errcode ≠ 0)."""
    target = check_url(url)
    try:
        response = post(target, json.dumps(payload, ensure_ascii=False).encode(),
                        {"Content-Type": "application/json; charset=utf-8"}, timeout=settings.NOTIFY_HTTP_TIMEOUT)
    except NoAnswer as failure:
        if failure.timed_out:
            raise WebhookError(_("连接群机器人超时。")) from None
        raise WebhookError(_("无法连接群机器人:%(error)s") % {"error": failure.error}) from None
    raw = response.body
    if response.status != 200:
        raise WebhookError(_("群机器人返回 HTTP %(status)s。") % {"status": response.status})
    try:
        answer = json.loads(raw)
    except ValueError:
        raise WebhookError(_("群机器人的应答不是 JSON。")) from None
    if not isinstance(answer, dict) or answer.get("errcode") != 0:
        code = answer.get("errcode") if isinstance(answer, dict) else None
        message = str(answer.get("errmsg", ""))[:200] if isinstance(answer, dict) else ""
        raise WebhookError(_("群机器人拒绝了消息(errcode %(code)s:%(message)s)。") % {"code": code, "message": message})
    return answer


def dingtalk_signed_url(url: str, secret: str, *, now_ms: int | None = None) -> str:
    """DingTalk's 加签: HMAC-SHA256 over "timestamp\\nsecret" keyed by the secret, base64, URL-quoted,
    appended with the timestamp in milliseconds."""
    if not secret:
        return url
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def wecom_payload(title: str, text: str) -> dict:
    return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}".strip()}}


def dingtalk_payload(title: str, text: str) -> dict:
    return {"msgtype": "markdown", "markdown": {"title": title, "text": f"#### {title}\n{text}".strip()}}


def mask_url(url: str) -> str:
    """A webhook address with its key hidden: scheme, host and path, the query's values starred."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "***"
    query = "&".join(f"{name}=***" for name, _value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    path = parts.path
    # A key carried in the path (some gateways): only its first characters.
    segments = [segment if len(segment) < 16 else f"{segment[:4]}***" for segment in path.split("/")]
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], "/".join(segments), query, ""))
