"""The platform operator's account allocation pages: upload → preview → confirm → result.

The uploaded sheet waits in the cache as a batch of the import pipeline (ground.imports; its
token is the batch's key, tied to the operator) between preview and confirm, and is checked
again on confirm. The result sheet carries one-time
passwords, so it is never written to disk: it stays in the cache for ten minutes for the
immediate download, and every download is audited.
"""

import io
import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.allocation import (
    ALLOCATION,
    RESULT_CACHE_SECONDS,
    AllocationError,
    build_template,
    committed_result,
    preview_batch,
)
from accounts.decorators import role_required
from accounts.exports import AllocationResult, export_response
from accounts.roles import Role
from ground import imports
from ground.imports import BatchStatus, CachedBatch
from ground.uploads import UploadError

# Allocation sheets are small (one row per organisation); they wait in the cache between steps.
ALLOCATION_MAX_BYTES = 10 * 1024 * 1024


def max_upload_bytes() -> int:
    """The platform's upload limit, or less (read when used: settings may change, in tests)."""
    return min(settings.UPLOAD_MAX_BYTES, ALLOCATION_MAX_BYTES)
TEMPLATE_NAME = "账号分配模板.xlsx"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("账号分配表"), help_text=gettext_lazy("Excel 工作簿(.xlsx)或 CSV 文件"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("文件过大(%(size)d MB),账号分配表不能超过 %(max)d MB")
                % {"size": upload.size // (1024 * 1024), "max": limit // (1024 * 1024)}
            )
        return upload


def _result_key(token: str) -> str:
    return f"accounts:allocation:result:{token}"


def _cached(key: str, request) -> dict:
    """A cache entry of this operator; another user's token is a 404 like a missing one."""
    data = cache.get(key)
    if not data or data.get("user") != request.user.pk:
        raise Http404
    return data


def _expired(request) -> HttpResponse:
    messages.warning(request, _("上传的文件已过期或不存在,请重新上传"))
    return redirect("accounts:allocation")


def _staged(token: str, request) -> CachedBatch | None:
    """This operator's staged upload of `token`, or None when it expired (or is another user's)."""
    try:
        return ALLOCATION.batches.committable(request.user, ALLOCATION.batches.get(token))
    except ALLOCATION.batches.DoesNotExist:
        return None


@role_required(Role.OPERATOR, message=_("只有平台运营人员可以分配账号"))
@require_http_methods(["GET", "POST"])
def upload(request):
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    file_errors: list[str] = []
    if form.is_bound and form.is_valid():
        try:
            batch = imports.stage(ALLOCATION, actor=request.user, file=form.cleaned_data["file"], request=request)
        except UploadError as error:
            file_errors = [str(error)]
        else:
            batch = imports.start_validation(ALLOCATION, batch)
            if batch.status == BatchStatus.FAILED:
                file_errors = [batch.failure]
            else:
                return redirect("accounts:allocation_preview", token=batch.pk)
    return render(request, "accounts/allocation_upload.html", {"form": form, "file_errors": file_errors})


@role_required(Role.OPERATOR, message=_("只有平台运营人员可以分配账号"))
@require_http_methods(["GET"])
def template(request):
    return FileResponse(io.BytesIO(build_template()), as_attachment=True, filename=TEMPLATE_NAME)


def _render_preview(request, token: str, preview, status: int = 200):
    return render(
        request, "accounts/allocation_preview.html", {"preview": preview, "token": token}, status=status
    )


@role_required(Role.OPERATOR, message=_("只有平台运营人员可以分配账号"))
@require_http_methods(["GET"])
def preview(request, token: str):
    batch = _staged(token, request)
    if batch is None:
        return _expired(request)
    return _render_preview(request, token, preview_batch(batch, request.user))


@role_required(Role.OPERATOR, message=_("只有平台运营人员可以分配账号"))
@require_POST
def confirm(request, token: str):
    batch = _staged(token, request)
    if batch is None or batch.status == BatchStatus.COMMITTED:
        return _expired(request)
    try:
        result = committed_result(batch, actor=request.user, request=request)
    except AllocationError as error:
        messages.error(request, _("表中有错误,未写入任何数据。请修改后重新上传。"))
        return _render_preview(request, token, error.preview, status=400)
    ALLOCATION.batches.delete(batch)  # the sheet leaves the cache; only the result waits for its download
    result_token = secrets.token_urlsafe(24)
    cache.set(
        _result_key(result_token),
        {
            "user": request.user.pk,
            "filename": result.filename,
            "sheet": result.sheet,
            "original_name": result.original_name,
            # The page lists the rows without passwords; those are only in the sheet.
            "rows": [
                {"row": r.row_number, "name": r.organization_name, "organization_status": r.organization_status,
                 "username": r.username, "status": r.status, "created": r.account_created}
                for r in result.rows
            ],
            "counts": {
                "rows": len(result.rows),
                "organizations": len(result.created_organizations),
                "accounts": len(result.created_accounts),
                "unchanged": len(result.unchanged),
            },
            "warnings": [w.as_text() for w in result.warnings],
        },
        RESULT_CACHE_SECONDS,
    )
    return redirect("accounts:allocation_result", token=result_token)


@never_cache
@role_required(Role.OPERATOR, message=_("只有平台运营人员可以分配账号"))
@require_http_methods(["GET"])
def result(request, token: str):
    data = _cached(_result_key(token), request)
    return render(request, "accounts/allocation_result.html", {"result": data, "token": token,
                                                               "minutes": RESULT_CACHE_SECONDS // 60})


@never_cache
@role_required(Role.OPERATOR, message=_("只有平台运营人员可以分配账号"))
@require_http_methods(["GET"])
def download(request, token: str):
    return export_response(AllocationResult, request, result=_cached(_result_key(token), request))
