"""What every file upload checks before anything is stored: the one size check of the platform.

Pages, the API and services call `check_upload_size` (a form's `clean_file`, the service that
keeps the file); a refusal is an `UploadError`, whose message is for the uploader.
"""

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


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
