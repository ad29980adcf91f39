"""Pages of the inventor self-assessment (rules in inventory.records.self_assessment): staff invite and
review, the inventor fills one form per patent, an invited inventor sets a password by link."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.roles import Role, role_of
from ground.forms import bootstrap
from inventory.choices import (
    TECHNOLOGY_READINESS,
    ImplementationStatus,
    Intent,
    LicenseType,
    Prospect,
    Screening,
    ValueGrade,
)
from inventory.library import MIN_SCENARIO_CHARS, SCENARIO_HELP
from inventory.models import InventoryRecord, Patent, SelfAssessmentInvitation
from inventory.records import StaleRecord, review
from inventory.records import self_assessment as service
from inventory.records.assessment import INVENTOR_FIELDS, AssessmentError

STAFF = Role.INSTITUTION
BLANK = [("", "—")]


class InvitationForm(forms.Form):
    account = forms.CharField(label=gettext_lazy("发明人账号(用户名)"), max_length=150, required=False,
                              help_text=gettext_lazy("本单位已有的发明人账号;没有账号时填写下面的邮箱"))
    email = forms.CharField(label=gettext_lazy("发明人邮箱"), max_length=254, required=False,
                            help_text=gettext_lazy("将为其创建发明人账号,并发送设置密码的一次性链接"))
    full_name = forms.CharField(label=gettext_lazy("发明人姓名"), max_length=64, required=False)
    patents = forms.CharField(label=gettext_lazy("专利申请号"), required=False,
                              widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=gettext_lazy("每行一个申请号,须为您可以编辑的本单位专利"))
    message = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class AssessmentForm(forms.Form):
    """The §3 fields an inventor fills in."""

    maturity = forms.TypedChoiceField(
        label=gettext_lazy("技术成熟度"), required=False, coerce=int, empty_value=None,
        choices=BLANK + [(level, f"{level} {label}") for level, label in TECHNOLOGY_READINESS.items()])
    scenarios = forms.CharField(label=gettext_lazy("应用场景"), max_length=500, required=False, help_text=SCENARIO_HELP,
                                widget=forms.Textarea(attrs={"rows": 3, "data-pn-min-chars": MIN_SCENARIO_CHARS}))
    prospect = forms.ChoiceField(label=gettext_lazy("产业化前景"), required=False, choices=BLANK + Prospect.choices)
    implementation_status = forms.ChoiceField(label=gettext_lazy("实施状态"), required=False,
                                              choices=BLANK + ImplementationStatus.choices)
    is_financially_funded = forms.NullBooleanField(label=gettext_lazy("是否财政资助"), required=False)
    funding_project_number = forms.CharField(label=gettext_lazy("资助项目编号"), max_length=200, required=False)
    screening = forms.ChoiceField(label=gettext_lazy("是否入库"), required=False, choices=BLANK + Screening.choices)
    intents = forms.MultipleChoiceField(label=gettext_lazy("转化意愿"), required=False, choices=Intent.choices,
                                        widget=forms.CheckboxSelectMultiple)
    license_type = forms.ChoiceField(label=gettext_lazy("许可方式"), required=False,
                                     choices=BLANK + LicenseType.choices)
    value_grade = forms.ChoiceField(label=gettext_lazy("价值分级自评"), required=False,
                                    choices=BLANK + ValueGrade.choices)
    contact_name = forms.CharField(label=gettext_lazy("联系人"), max_length=64, required=False)
    contact_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=32, required=False)
    contact_email = forms.EmailField(label=gettext_lazy("联系邮箱"), required=False)
    # The record's version the form was read at (inventory.records.locking).
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "intents":
                field.widget.attrs.setdefault("class", "form-select" if isinstance(field.widget, forms.Select)
                                              else "form-control")

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("version"):  # shown above the form: a hidden field's own error would not be
            raise forms.ValidationError(_("表单缺少版本号(可能已过期):请刷新页面后重新填写"))
        return cleaned


def _initial(record: InventoryRecord) -> dict:
    return {name: getattr(record, name) for name in INVENTOR_FIELDS} | {"version": record.version}


# --- staff -------------------------------------------------------------------------------------

@role_required(STAFF)
def invitation_list(request: HttpRequest) -> HttpResponse:
    waiting = Count("patents", filter=Q(patents__inventory__review_state__in=review.PENDING_STATES), distinct=True)
    invitations = (SelfAssessmentInvitation.objects.visible_to(request.user).select_related("inventor")
                   .annotate(patent_count=Count("patents", distinct=True), waiting_count=waiting)
                   .order_by("closed_at", "-created_at")[:200])
    return render(request, "inventory/records/self_assessment_invitations.html", {"invitations": invitations})


@role_required(STAFF)
@never_cache
def invitation_new(request: HttpRequest) -> HttpResponse:
    preselected = [pk for pk in request.GET.get("records", "").split(",") if pk.isdigit()]
    initial = {}
    if preselected:
        numbers = service.invitable_records(request.user).filter(pk__in=preselected).values_list(
            "patent__application_number", flat=True)
        initial["patents"] = "\n".join(numbers)
    form = InvitationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record_ids = service.records_from_numbers(request.user, data["patents"])
            invitation, created = service.invite(
                request.user, record_ids=record_ids, username=data["account"], email=data["email"],
                full_name=data["full_name"], message=data["message"], request=request)
        except service.InvitationError as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            if created:
                messages.success(request, _("已创建发明人账号并发送邀请邮件至 %(email)s")
                                 % {"email": invitation.inventor.email})
            else:
                messages.success(request, _("已邀请 %(name)s 自评") % {"name": invitation.inventor})
            return redirect("inventory:self_assessment_detail", pk=invitation.pk)
    return render(request, "inventory/records/self_assessment_invite.html", {"form": form})


@role_required(STAFF, Role.INVENTOR)
def invitation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(SelfAssessmentInvitation.objects.visible_to(request.user), pk=pk)
    records = (InventoryRecord.objects.visible_to(request.user)
               .filter(patent__in=invitation.patents.filter(pk__in=Patent.objects.visible_to(request.user).values("pk")))
               .select_related("patent", "department_unit").order_by("patent__application_number"))
    return render(request, "inventory/records/self_assessment_detail.html", {
        "invitation": invitation, "records": records, "is_staff": role_of(request.user) == STAFF,
    })


@role_required(STAFF)
@require_POST
def invitation_close(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(SelfAssessmentInvitation.objects.editable_by(request.user), pk=pk)
    if service.close(request.user, invitation, request=request):
        messages.success(request, _("邀请已关闭,发明人不能再查看和修改这些专利"))
    return redirect("inventory:self_assessment_detail", pk=pk)


# --- the inventor (and staff amending) ---------------------------------------------------------

@role_required(Role.INVENTOR)
def my_patents(request: HttpRequest) -> HttpResponse:
    records = service.granted_records(request.user)
    invitations = (SelfAssessmentInvitation.objects.visible_to(request.user).filter(closed_at__isnull=True)
                   .select_related("institution"))
    editable = set(InventoryRecord.objects.editable_by(request.user).values_list("pk", flat=True))
    return render(request, "inventory/records/self_assessment_mine.html", {
        "records": records, "invitations": invitations, "editable": editable,
    })


def _form_page(request, record, form, status=200) -> HttpResponse:
    return render(request, "inventory/records/self_assessment_form.html", {
        "record": record, "form": form, "is_staff": role_of(request.user) == STAFF,
        "locked": review.locked_for(request.user, record.review_state),
    }, status=status)


@role_required(STAFF, Role.INVENTOR)
def record_form(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(InventoryRecord.objects.editable_by(request.user).select_related("patent"), pk=pk)
    return _form_page(request, record, AssessmentForm(initial=_initial(record)))


@role_required(STAFF, Role.INVENTOR)
@require_POST
def record_save(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(InventoryRecord.objects.editable_by(request.user).select_related("patent"), pk=pk)
    form = AssessmentForm(request.POST, initial=_initial(record))
    if form.is_valid():
        submit = request.POST.get("submit") == "1"
        values = {name: value for name, value in form.cleaned_data.items() if name != "version"}
        try:
            service.save(request.user, record, values, submit=submit, request=request,
                         version=form.cleaned_data["version"])
        except AssessmentError as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        except StaleRecord as error:
            # Their input stays, at the current version: saving again is a choice made having read it.
            data = request.POST.copy()
            data["version"] = str(error.record.version)
            form = AssessmentForm(data, initial=_initial(error.record))
            form.is_valid()
            form.add_error(None, error.lines)
        else:
            messages.success(request, _("已提交审核") if submit else _("已保存"))
            return redirect("inventory:self_assessment_edit", pk=pk)
    return _form_page(request, record, form, status=400)


# --- the one-time link ---------------------------------------------------------------------------

@login_not_required
@never_cache
def set_password(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = service.user_for_token(uidb64, token)
    if user is None:
        return render(request, "inventory/records/self_assessment_set_password.html", {"invalid": True}, status=404)
    form = SetPasswordForm(user, request.POST or None)
    for field in form.fields.values():
        field.widget.attrs["class"] = "form-control"
    if request.method == "POST" and form.is_valid():
        service.set_password_from_link(user, form.cleaned_data["new_password1"], request=request)
        messages.success(request, _("密码已设置,请使用用户名 %(username)s 登录") % {"username": user.username})
        return redirect("accounts:login")
    response = render(request, "inventory/records/self_assessment_set_password.html", {"form": form, "account": user})
    response["Cache-Control"] = "no-store"
    return response
