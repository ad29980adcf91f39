"""The two pages every exchange sheet's upload has, written once: the upload page (the blank
template, the file field, the standard's columns, the user's recent uploads) and the batch page
(progress, counts, the preview's problems by row and column, commit and cancel). A sheet
describes its wording and URL names in an `UploadPages`; the app's views keep their own role
checks and scoping and call `upload_page` / `batch_page` / `batch_action` with the batches the
user may see or change."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from ground.imports.pipeline import SheetImport, receive
from ground.uploads import UploadError

ERRORS_PER_PAGE = 50


@dataclass(frozen=True)
class UploadPages:
    """What one sheet's upload pages say and where they link (URL names take a batch's pk where
    they act on one)."""

    title: Any  # 上传转化实施情况
    batch_title: Any  # 转化实施情况上传: beside a batch's file name in the browser's title
    intro: Any  # how a row is identified and what a repeated upload does
    rule: Any  # what happens after the upload (preview, all or nothing or row by row)
    element_id: str  # prefix of the page's element ids: pn-conversion → pn-conversion-template …
    back_url: str
    back_label: Any
    template_url: str
    upload_url: str
    detail_url: str
    commit_url: str
    cancel_url: str
    unchanged_label: Any
    counts_updates: bool = True  # the sheet updates rows it identifies, not only adds
    all_or_nothing: bool = False  # one row with an error keeps the whole file out


def upload_page(request: HttpRequest, pages: UploadPages, importer: SheetImport, form_class: type,
                columns: list, recent: QuerySet) -> HttpResponse:
    """The upload page; a valid POST stages the file and goes to its batch page."""
    if request.method == "POST":
        form = form_class(request.POST, request.FILES)
        if form.is_valid() and (batch := receive(importer, request, form)) is not None:
            return redirect(pages.detail_url, pk=batch.pk)
    else:
        form = form_class()
    return render(request, "imports/sheet_upload.html",
                  {"form": form, "columns": columns, "recent": recent[:10], "pages": pages})


def batch_page(request: HttpRequest, pages: UploadPages, pk: int, visible: QuerySet,
               can_act: Callable[[Any], bool]) -> HttpResponse:
    """One batch among those the user may see (any other is a 404), with its problems paged."""
    batch = get_object_or_404(visible, pk=pk)
    errors = Paginator(batch.errors or [], ERRORS_PER_PAGE).get_page(request.GET.get("errors"))
    return render(request, "imports/sheet_batch.html", {
        "batch": batch, "counts": batch.counts or {}, "errors_page": errors, "can_act": can_act(batch),
        "pages": pages})


def batch_action(request: HttpRequest, pages: UploadPages, importer: SheetImport, pk: int, editable: QuerySet,
                 action: Callable, done: str) -> HttpResponse:
    """Commit or cancel (`action`: pipeline.request_commit or pipeline.cancel) one batch among those
    the user may change (any other is a 404); the pipeline's refusal is shown in words, and the
    batch page is shown again."""
    batch = get_object_or_404(editable, pk=pk)
    try:
        action(importer, actor=request.user, batch=batch, request=request)
    except UploadError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect(pages.detail_url, pk=pk)
