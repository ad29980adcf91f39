"""What people and tasks do with the province feeds: configure an endpoint, rotate its secret, switch
the contacts on (the operator only), sync now, resend a batch, pull a page. Each checks the user's
scope through the models' `editable_by` / `visible_to`, writes its audit event, and refuses with a
Chinese message (FeedError) leaving nothing written.

"After large changes": other apps may not import reporting, and no app sends a signal at the end
of an import; the hourly beat syncs every province, `sync_now` serves the platform's button, and
`sync_and_push` is what any caller (a task, a command) uses after a large change: it syncs and,
when the sync appended FEED_PUSH_AFTER_ENTRIES entries or more, pushes at once.
"""

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record
from accounts.roles import Role, role_of
from reporting.feeds import journal, pull, push
from reporting.feeds.endpoints import EndpointError, check_endpoint, new_secret
from reporting.feeds.models import FeedBatch, FeedDelivery, FeedEndpoint


class FeedError(ValueError):
    """A request the feeds refuse; the message says why in Chinese."""


def endpoint_of(user, pk: int, *, edit: bool = False) -> FeedEndpoint:
    """The feed setting `pk` if the user sees (or, with `edit`, may change) it; Http404 otherwise."""
    queryset = FeedEndpoint.objects.editable_by(user) if edit else FeedEndpoint.objects.visible_to(user)
    endpoint = queryset.select_related("province").filter(pk=pk).first()
    if endpoint is None:
        raise Http404
    return endpoint


def own_endpoint(user) -> FeedEndpoint:
    """A provincial office's own feed setting (made when first needed)."""
    return journal.endpoint_for(user.organization.province_id)


def save_endpoint(user, endpoint: FeedEndpoint, *, url: str, enabled: bool, request=None) -> str | None:
    """Set the push address and whether pushing is on; the new secret when this is the endpoint's
    first (shown once), None otherwise. FeedError (nothing written) for an address refused."""
    url = (url or "").strip()
    if url or enabled:
        try:
            check_endpoint(url)
        except EndpointError as error:
            raise FeedError(str(error)) from None
    secret = None
    with transaction.atomic():
        before = {"url": endpoint.url, "enabled": endpoint.enabled}
        endpoint.url, endpoint.enabled, endpoint.updated_at = url, enabled, timezone.now()
        fields = ["url", "enabled", "updated_at"]
        if url and not endpoint.secret:
            secret = endpoint.secret = new_secret()
            endpoint.secret_rotated_at = endpoint.updated_at
            fields += ["secret", "secret_rotated_at"]
        endpoint.save(update_fields=fields)
        record("feed.endpoint_save", actor=user, request=request, target=endpoint, before=before,
               after={"url": url, "enabled": enabled}, province=endpoint.province_id)
    return secret


def rotate_secret(user, endpoint: FeedEndpoint, *, request=None) -> str:
    """A new signing secret (the old one stops at once); returned to be shown once."""
    with transaction.atomic():
        endpoint.secret, endpoint.secret_rotated_at = new_secret(), timezone.now()
        endpoint.save(update_fields=["secret", "secret_rotated_at"])
        record("feed.secret_rotate", actor=user, request=request, target=endpoint, province=endpoint.province_id)
    return endpoint.secret


def set_contacts(user, endpoint: FeedEndpoint, *, on: bool, request=None) -> None:
    """Whether the province's purpose needs the contacts' phones and e-mails: the operator only.
    The journal keeps the records unmasked and masks them as they leave: pulls follow the setting at
    once; a push batch keeps the body it was made with (a batch is fixed once made)."""
    if role_of(user) != Role.OPERATOR:
        raise FeedError(_("只有平台运营人员可以开启或关闭联系方式的传送。"))
    with transaction.atomic():
        before = endpoint.purpose_needs_contacts
        endpoint.purpose_needs_contacts = on
        endpoint.save(update_fields=["purpose_needs_contacts"])
        record("feed.contacts", actor=user, request=request, target=endpoint, before={"contacts": before},
               after={"contacts": on}, province=endpoint.province_id)


def sync_and_push(province_code: str) -> journal.SyncResult:
    """Sync the province's journal; push at once when the sync appended many entries."""
    result = journal.sync(province_code)
    if result.entries >= settings.FEED_PUSH_AFTER_ENTRIES:
        push.push(journal.endpoint_for(province_code))
    return result


def sync_now(user, endpoint: FeedEndpoint, *, request=None) -> journal.SyncResult:
    """The page's 立即同步: sync (and push when much changed), audited."""
    result = sync_and_push(endpoint.province_id)
    record("feed.sync", actor=user, request=request, target=endpoint, province=endpoint.province_id,
           upserts=result.upserts, deletes=result.deletes)
    return result


def resend(user, batch_pk: int, *, request=None) -> FeedDelivery:
    """Send a batch again with the same batch_id: the province's administrator or the operator.
    Refused while an earlier batch is undelivered (the province applies batches in order)."""
    batch = FeedBatch.objects.editable_by(user).filter(pk=batch_pk).first()
    if batch is None:
        raise Http404
    endpoint = journal.endpoint_for(batch.province_id)
    if not endpoint.url:
        raise FeedError(_("尚未设置推送地址,无法重发。"))
    if push.earlier_undelivered(batch):
        raise FeedError(_("更早的批次尚未送达:请先重发最早的未送达批次,接收方须按顺序处理。"))
    delivery = push.resend(batch, endpoint)
    record("feed.resend", actor=user, request=request, target=batch, province=batch.province_id,
           batch_id=batch.batch_id, status_code=delivery.status_code)
    return delivery


def pull_page(user, province_code: str, cursor: str | None, limit_raw: str | None, *,
              request=None) -> pull.Page:
    """One page of a province's feed for `user` (its own province; the operator any), audited:
    one event per call. FeedError for a bad cursor or limit."""
    endpoint = journal.endpoint_for(province_code)
    if not FeedEndpoint.objects.visible_to(user).filter(pk=endpoint.pk).exists():
        raise Http404
    try:
        limit = pull.parse_limit(limit_raw)
        page = pull.read(province_code, cursor, limit, contacts=endpoint.purpose_needs_contacts)
    except pull.CursorError as error:
        raise FeedError(str(error)) from None
    record("feed.pull", actor=user, request=request, target=endpoint, province=province_code,
           count=len(page.records), last_entry=page.last_entry)
    return page
