"""Pages of the province feeds: a provincial office's feed (its endpoint, the cursor positions, the
recent batches with their attempts, resend, the pull API's address and how to get a token), the
operator's overview of every province and each province's page, and one batch's delivery log.

Everything is read through the feed models' `visible_to(user)` and changed through
reporting.feeds.services (editable_by: a province's administrator, the operator); out of scope is
404. A new or rotated secret is shown once, in the answer to the request that made it.
"""

from django.contrib import messages
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.models import Province
from accounts.roles import Role, role_of
from reporting.feeds import journal, services
from reporting.feeds.forms import ContactsForm, EndpointForm
from reporting.feeds.models import BatchStatus, FeedBatch, FeedDelivery, FeedEndpoint, FeedEntry

READERS = (Role.PROVINCE, Role.OPERATOR)
RECENT_BATCHES = 20


@role_required(*READERS)
@require_GET
def feeds_home(request: HttpRequest) -> HttpResponse:
    """A provincial office: its own feed. The operator: every province's feed status."""
    if role_of(request.user) == Role.PROVINCE:
        return _page(request, services.own_endpoint(request.user))
    return render(request, "reporting/feeds/overview.html", {"rows": _overview(request.user)})


def _overview(user) -> list[dict]:
    heads = dict(FeedEntry.objects.visible_to(user).order_by().values("province_id").annotate(head=Max("id"))
                 .values_list("province_id", "head"))
    batches = {row["province_id"]: row for row in FeedBatch.objects.visible_to(user).order_by()
               .values("province_id").annotate(
        delivered=Max("last_entry", filter=Q(status=BatchStatus.DELIVERED)),
        pending=Count("id", filter=Q(status=BatchStatus.PENDING)),
        failed=Count("id", filter=Q(status=BatchStatus.FAILED)))}
    provinces = journal.ensure_endpoints()
    endpoints = {e.province_id: e for e in FeedEndpoint.objects.visible_to(user)}
    return [{"province": province, "endpoint": endpoints.get(province.code), "head": heads.get(province.code, 0),
             "batches": batches.get(province.code, {})} for province in provinces]


@role_required(*READERS)
@require_GET
def feed_endpoint(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, services.endpoint_of(request.user, pk))


def _page(request: HttpRequest, endpoint: FeedEndpoint, *, status: int = 200, secret: str | None = None,
          form: EndpointForm | None = None) -> HttpResponse:
    province = endpoint.province_id
    batches = list(FeedBatch.objects.visible_to(request.user).filter(province_id=province)
                   .defer("body").order_by("-first_entry")[:RECENT_BATCHES])
    can_edit = FeedEndpoint.objects.editable_by(request.user).filter(pk=endpoint.pk).exists()
    positions = FeedBatch.objects.visible_to(request.user).filter(province_id=province).aggregate(
        batched=Max("last_entry"), delivered=Max("last_entry", filter=Q(status=BatchStatus.DELIVERED)))
    return render(request, "reporting/feeds/province.html", {
        "endpoint": endpoint, "province": Province.objects.get(code=province),
        "head": FeedEntry.objects.visible_to(request.user).filter(province_id=province)
        .aggregate(head=Max("id"))["head"] or 0,
        "batched": positions["batched"] or 0, "delivered": positions["delivered"] or 0,
        "batches": batches, "can_edit": can_edit, "is_operator": role_of(request.user) == Role.OPERATOR,
        "form": form or EndpointForm(initial={"url": endpoint.url, "enabled": endpoint.enabled}),
        "contacts_form": ContactsForm(initial={"purpose_needs_contacts": endpoint.purpose_needs_contacts}),
        "secret": secret, "pull_url": request.build_absolute_uri(reverse("province-feed-list")),
        "secret_hint": f"{endpoint.secret[:10]}…" if endpoint.secret else "",
    }, status=status)


@role_required(*READERS)
@require_POST
def feed_endpoint_save(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = services.endpoint_of(request.user, pk, edit=True)
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _page(request, endpoint, status=400, form=form)
    try:
        secret = services.save_endpoint(request.user, endpoint, url=form.cleaned_data["url"],
                                        enabled=form.cleaned_data["enabled"], request=request)
    except services.FeedError as error:
        form.add_error("url", str(error))
        endpoint.refresh_from_db()
        return _page(request, endpoint, status=400, form=form)
    messages.success(request, _("推送设置已保存。"))
    if secret:
        return _page(request, endpoint, secret=secret)
    return redirect("reporting:feed_endpoint", pk=endpoint.pk)


@role_required(*READERS)
@require_POST
def feed_secret_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = services.endpoint_of(request.user, pk, edit=True)
    secret = services.rotate_secret(request.user, endpoint, request=request)
    messages.success(request, _("已生成新的签名密钥,旧密钥立即失效。"))
    return _page(request, endpoint, secret=secret)


@role_required(Role.OPERATOR)
@require_POST
def feed_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = services.endpoint_of(request.user, pk, edit=True)
    form = ContactsForm(request.POST)
    form.is_valid()
    services.set_contacts(request.user, endpoint, on=bool(form.cleaned_data.get("purpose_needs_contacts")),
                          request=request)
    messages.success(request, _("联系方式传送设置已保存。"))
    return redirect("reporting:feed_endpoint", pk=endpoint.pk)


@role_required(*READERS)
@require_POST
def feed_sync(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = services.endpoint_of(request.user, pk, edit=True)
    result = services.sync_now(request.user, endpoint, request=request)
    messages.success(request, _("同步完成:新增或更新 %(upserts)d 条,删除 %(deletes)d 条。")
                     % {"upserts": result.upserts, "deletes": result.deletes})
    return redirect("reporting:feed_endpoint", pk=endpoint.pk)


@role_required(*READERS)
@require_GET
def feed_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """One batch and every attempt at delivering it."""
    batch = get_object_or_404(FeedBatch.objects.visible_to(request.user).defer("body"), pk=pk)
    return render(request, "reporting/feeds/batch.html", {
        "batch": batch, "endpoint": FeedEndpoint.objects.visible_to(request.user).get(province_id=batch.province_id),
        "deliveries": FeedDelivery.objects.visible_to(request.user).filter(batch=batch),
        "can_edit": FeedBatch.objects.editable_by(request.user).filter(pk=batch.pk).exists(),
    })


@role_required(*READERS)
@require_POST
def feed_batch_resend(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        delivery = services.resend(request.user, pk, request=request)
    except services.FeedError as error:
        messages.error(request, str(error))
        return redirect("reporting:feed_batch", pk=pk)
    if delivery.error:
        messages.warning(request, _("已重发,但未送达:%(error)s") % {"error": delivery.error})
    else:
        messages.success(request, _("已重发,接收方已确认(HTTP %(status)s)。") % {"status": delivery.status_code})
    return redirect("reporting:feed_batch", pk=pk)
