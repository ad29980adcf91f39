"""Keeping uploaded files: the one size check of the platform and the one way an upload is stored.

Every upload kept as a row with its file (a standard-format upload, the base library) is stored by
`store_upload`; pages, the API and services refuse a file with `check_upload_size` (a form's
`clean_file`) before anything is stored. A refusal is an `UploadError`, whose message is for the
uploader. Model-free: the row is any model instance with `file`, `original_name` and `sha256` fields.
"""

import hashlib
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.files import File
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

Row = TypeVar("Row", bound=models.Model)


class UploadError(Exception):
    """The upload (or what it asks for: a commit, a cancel) is refused as a whole; the message is
    Chinese, for the uploader."""


# The message for a file over the limit; a caller with better advice for its files passes its own
# (with the same placeholders, `size` and `limit` in MB).
TOO_LARGE = gettext_lazy("文件大小 %(size).1f MB 超过上限 %(limit).1f MB,请拆分后分批上传")


def check_upload_size(size: int, *, too_large: str | Promise = TOO_LARGE) -> None:
    """Refuse (UploadError) an empty file or one over settings.UPLOAD_MAX_BYTES."""
    if size == 0:
        raise UploadError(_("文件是空的"))
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise UploadError(str(too_large) % {"size": size / 1024 / 1024, "limit": limit / 1024 / 1024})


def store_upload(row: Row, file: File, *, prefix: str, audit: Callable[..., Any],
                 too_large: str | Promise = TOO_LARGE, check_size: bool = True) -> Row:
    """Keep `file` on the unsaved `row` and save it, all or nothing.

    The size is checked first (nothing is stored for a refused file); the row gets the file's own
    name (without any path) and its sha256; the file is stored as `prefix`-<timestamp>-<random><suffix>.
    The row and its audit event, `audit(row, file=…, size=…, sha256=…)` (the caller's `record`),
    are one transaction; if either fails, the stored file is removed again. `check_size=False`
    (a command line) keeps a file of any size; an empty one is still refused."""
    if check_size:
        check_upload_size(file.size, too_large=too_large)
    elif not file.size:
        raise UploadError(_("文件是空的"))
    digest = hashlib.sha256()
    for block in file.chunks():
        digest.update(block)
    file.seek(0)
    name = Path(file.name or "upload").name[:row._meta.get_field("original_name").max_length]
    row.original_name = name
    row.sha256 = digest.hexdigest()
    stored = f"{prefix}-{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(8)}{Path(name).suffix.lower()[:8]}"
    row.file.save(stored, file, save=False)
    try:
        with transaction.atomic():
            row.save()
            audit(row, file=name, size=file.size, sha256=row.sha256)
    except BaseException:
        row.file.delete(save=False)
        raise
    return row
