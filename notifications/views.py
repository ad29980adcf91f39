"""The notification centre's pages: the list, opening and marking
read, the user's channels, the organisation's group robots and the operator's failed deliveries.
The rules are in notifications.services; every lookup goes through the models' scoping."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import role_required
from accounts.roles import Role, role_of
from ground.privacy import mask_email
from notifications import services
from notifications.context_processors import forget_unread
from notifications.forms import PreferencesForm, RobotForm
from notifications.models import Delivery, Notification, OrganizationRobot
from notifications.webhooks import WebhookError, mask_url

PAGE_SIZE = 20


def _signed_in(request: HttpRequest) -> None:
    if role_of(request.user) is None:
        raise PermissionDenied(_("当前账号无法使用通知中心。"))


@login_required
@never_cache
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    _signed_in(request)
    unread_only = request.GET.get("filter") == "unread"
    unread_first = request.GET.get("order") == "unread"
    notifications = Notification.objects.visible_to(request.user)
    if unread_only:
        notifications = notifications.unread()
    if unread_first:
        unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
        notifications = notifications.order_by(unread.desc(), "-id")
    else:
        notifications = notifications.order_by("-id")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "unread_only": unread_only, "unread_first": unread_first,
    })


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link, marking it read; a link that is not a path of this site
    leads to the list instead."""
    try:
        notification = services.mark_read(request.user, pk)
    except Notification.DoesNotExist:
        raise Http404(_("通知不存在。")) from None
    url = notification.url
    if url and services.is_local_url(url) and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return HttpResponseRedirect(url)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notification = services.mark_read(request.user, pk)
    except Notification.DoesNotExist:
        raise Http404(_("通知不存在。")) from None
    forget_unread(request)
    if request.headers.get("HX-Request"):
        return render(request, "notifications/_row.html", {"notification": notification, "oob_bell": True})
    return redirect(_back(request))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    _signed_in(request)
    count = services.mark_all_read(request.user)
    messages.success(request, _("已将 %(count)s 条通知标为已读。") % {"count": count})
    return redirect(_back(request))


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and services.is_local_url(target) and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("notifications:list")


@login_required
@never_cache
def preferences(request: HttpRequest) -> HttpResponse:
    _signed_in(request)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.set_email_enabled(request.user, form.cleaned_data["email"], request=request)
            messages.success(request, _("通知设置已保存。"))
            return redirect("notifications:preferences")
    else:
        form = PreferencesForm(initial={"email": services.email_enabled(request.user)})
    return render(request, "notifications/preferences.html", {
        "form": form, "masked_email": mask_email(request.user.email),
        "can_manage_robots": services.can_manage_robots(request.user),
    })


def _robot_manager(request: HttpRequest) -> None:
    if not services.can_manage_robots(request.user):
        raise PermissionDenied(_("只有机构管理员可以管理群机器人。"))


@login_required
@never_cache
def robots(request: HttpRequest) -> HttpResponse:
    """The organisation's robots; adding one posts here."""
    _robot_manager(request)
    form = RobotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            robot = services.add_robot(request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("已添加群机器人“%(name)s”。") % {"name": robot.name})
            return redirect("notifications:robots")
    listed = OrganizationRobot.objects.visible_to(request.user).order_by("-id")
    return render(request, "notifications/robots.html", {
        "form": form, "robots": [(robot, mask_url(robot.url)) for robot in listed],
        "organization": request.user.organization,
    })


@login_required
@require_POST
def robot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _robot_manager(request)
    try:
        services.remove_robot(request.user, pk, request=request)
    except OrganizationRobot.DoesNotExist:
        raise Http404(_("群机器人不存在。")) from None
    messages.success(request, _("已删除群机器人。"))
    return redirect("notifications:robots")


@login_required
@require_POST
def robot_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    _robot_manager(request)
    try:
        robot = services.set_robot_enabled(request.user, pk, request.POST.get("enabled") == "1", request=request)
    except OrganizationRobot.DoesNotExist:
        raise Http404(_("群机器人不存在。")) from None
    messages.success(request, _("已启用群机器人。") if robot.enabled else _("已停用群机器人。"))
    return redirect("notifications:robots")


@login_required
@require_POST
def robot_test(request: HttpRequest, pk: int) -> HttpResponse:
    _robot_manager(request)
    get_object_or_404(OrganizationRobot.objects.editable_by(request.user), pk=pk)
    try:
        services.send_test_message(request.user, pk)
    except WebhookError as error:
        messages.error(request, _("测试消息发送失败:%(error)s") % {"error": error})
    else:
        messages.success(request, _("测试消息已发送,请在群里查看。"))
    return redirect("notifications:robots")


@role_required(Role.OPERATOR)
def deliveries(request: HttpRequest) -> HttpResponse:
    """The operator's page of failed deliveries: still retried, or given up."""
    failed = (Delivery.objects.visible_to(request.user).filter(status=Delivery.Status.FAILED)
              .select_related("robot__organization").order_by("-id"))
    page = Paginator(failed, 50).get_page(request.GET.get("page"))
    rows = [(d, mask_email(d.address) if d.address else (d.robot.organization.name if d.robot else ""))
            for d in page]
    return render(request, "notifications/deliveries.html", {"page": page, "rows": rows})
