"""The business rules of typical cases and problems (典型案例与问题报送).

A province office writes a report for a quarter that has begun (draft), attaches files, and
submits it; the platform marks submitted reports for the national bulletin (纳入通报), which the
reports area reads through `cases_for_bulletin`. Attachments are private files: their type is
read from their first bytes as well as their name (an executable renamed .pdf is refused), they
are stored under a random name and served only through the scoped download view, each download
audited. Every refusal raises CaseError with a Chinese message and writes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record as audit
from accounts.roles import Role, role_of
from reporting.cases.models import CaseAttachment, CaseKind, CaseReport, CaseStatus
from reporting.spotchecks.services import checked_quarter
from reporting.statistics.quarters import QuarterError

MAX_TITLE = 200
MAX_TEXT = 20_000
MAX_ATTACHMENTS = 10
MAX_NAME = 200


def max_attachment_bytes() -> int:
    return int(getattr(settings, "CASE_ATTACHMENT_MAX_MB", 20)) * 1024 * 1024


# Extension → the first bytes a file of that type starts with (Office Open XML is a zip).
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
# What an executable or script starts with (PE, ELF, Mach-O, a shebang), refused whatever its name.
EXECUTABLE_STARTS = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")


class CaseError(Exception):
    """A request refused: `message` says why, in Chinese; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CaseInput:
    quarter: str
    kind: str
    title: str
    text: str


def _checked(data: CaseInput) -> tuple[str, str, str, str]:
    try:
        quarter = str(checked_quarter(data.quarter))
    except QuarterError as error:
        raise CaseError(str(error)) from None
    if data.kind not in CaseKind.values:
        raise CaseError(_("类别应为典型案例、经验做法或问题建议"))
    title, text = (data.title or "").strip(), (data.text or "").strip()
    if not title:
        raise CaseError(_("请填写标题"))
    if len(title) > MAX_TITLE:
        raise CaseError(_("标题不能超过 %(n)d 字") % {"n": MAX_TITLE})
    if not text:
        raise CaseError(_("请填写内容"))
    if len(text) > MAX_TEXT:
        raise CaseError(_("内容不能超过 %(n)d 字") % {"n": MAX_TEXT})
    return quarter, data.kind, title, text


def create_case(user, data: CaseInput, *, request=None) -> CaseReport:
    if role_of(user) != Role.PROVINCE:
        raise CaseError(_("只有省级知识产权局可以报送典型案例与问题"))
    quarter, kind, title, text = _checked(data)
    with transaction.atomic():
        case = CaseReport.objects.create(organization_id=user.organization_id, quarter=quarter, kind=kind,
                                         title=title, text=text, created_by=user)
        audit("case_report.create", actor=user, request=request, target=case, organization=user.organization,
              after={"quarter": quarter, "kind": kind, "title": title})
    return case


def editable_case(user, pk: int) -> CaseReport:
    """The user's draft `pk`; 404 when out of scope, 403 (PermissionDenied, with the reason) when
    its own but submitted."""
    case = CaseReport.objects.editable_by(user).filter(pk=pk).first()
    if case is None:
        if CaseReport.objects.visible_to(user).filter(pk=pk, organization_id=user.organization_id).exists():
            raise PermissionDenied(_("已报送的材料不能再修改"))
        raise Http404
    return case


def update_case(user, pk: int, data: CaseInput, *, request=None) -> CaseReport:
    case = editable_case(user, pk)
    quarter, kind, title, text = _checked(data)
    before = {"quarter": case.quarter, "kind": case.kind, "title": case.title}
    with transaction.atomic():
        case.quarter, case.kind, case.title, case.text = quarter, kind, title, text
        case.save(update_fields=["quarter", "kind", "title", "text"])
        audit("case_report.update", actor=user, request=request, target=case, organization=user.organization,
              before=before, after={"quarter": quarter, "kind": kind, "title": title})
    return case


def submit_case(user, pk: int, *, request=None) -> CaseReport:
    case = editable_case(user, pk)
    with transaction.atomic():
        case.status, case.submitted_at = CaseStatus.SUBMITTED, timezone.now()
        case.save(update_fields=["status", "submitted_at"])
        audit("case_report.submit", actor=user, request=request, target=case, organization=user.organization,
              before={"status": CaseStatus.DRAFT}, after={"status": CaseStatus.SUBMITTED})
    return case


def mark_for_bulletin(user, pk: int, marked: bool, *, request=None) -> CaseReport:
    """纳入通报 (or taken out of it) by the platform, for a submitted report."""
    case = CaseReport.objects.editable_by(user, "mark").filter(pk=pk).first()
    if case is None:
        raise Http404
    with transaction.atomic():
        before = {"for_bulletin": case.for_bulletin}
        case.for_bulletin = marked
        case.marked_at, case.marked_by = (timezone.now(), user) if marked else (None, None)
        case.save(update_fields=["for_bulletin", "marked_at", "marked_by"])
        audit("case_report.mark" if marked else "case_report.unmark", actor=user, request=request, target=case,
              organization=user.organization, before=before, after={"for_bulletin": marked})
    return case


def _extension(name: str) -> str:
    return PurePath(name).suffix.lower().lstrip(".")


def check_attachment(name: str, head: bytes, size: int) -> str:
    """The file's extension when it may be attached; CaseError naming the file otherwise."""
    ext = _extension(name)
    limit = max_attachment_bytes()
    if size > limit:
        raise CaseError(_("附件“%(name)s”大小 %(size).1f MB,超过上限 %(limit)d MB")
                        % {"name": name, "size": size / 1024 / 1024, "limit": limit // 1024 // 1024})
    if size == 0:
        raise CaseError(_("附件“%(name)s”是空文件") % {"name": name})
    if head.startswith(EXECUTABLE_STARTS):
        raise CaseError(_("附件“%(name)s”是可执行程序或脚本,不能上传") % {"name": name})
    if ext not in SIGNATURES:
        raise CaseError(_("附件“%(name)s”的类型不允许,只能上传 %(types)s")
                        % {"name": name, "types": "、".join(sorted({e.upper() for e in SIGNATURES}))})
    if not head.startswith(SIGNATURES[ext]):
        raise CaseError(_("附件“%(name)s”的内容不是 %(type)s 文件") % {"name": name, "type": ext.upper()})
    return ext


def add_attachment(user, pk: int, upload, *, request=None) -> CaseAttachment:
    """Attach an uploaded file (Django UploadedFile) to the user's draft."""
    case = editable_case(user, pk)
    name = PurePath(str(upload.name or "")).name[:MAX_NAME] or "file"
    if case.attachments.count() >= MAX_ATTACHMENTS:
        raise CaseError(_("每份材料最多 %(n)d 个附件") % {"n": MAX_ATTACHMENTS})
    size = upload.size or 0
    if size > max_attachment_bytes():
        check_attachment(name, b"", size)
    upload.seek(0)
    content = upload.read()
    ext = check_attachment(name, content[:16], len(content))
    with transaction.atomic():
        attachment = CaseAttachment(case=case, original_name=name, size=len(content),
                                    sha256=hashlib.sha256(content).hexdigest(), uploaded_by=user)
        attachment.file.save(f"{secrets.token_hex(16)}.{ext}", ContentFile(content), save=False)
        try:
            attachment.save()
            audit("case_report.attach", actor=user, request=request, target=case, organization=user.organization,
                  after={"file": name, "size": len(content)})
        except Exception:
            attachment.file.storage.delete(attachment.file.name)
            raise
    return attachment


def remove_attachment(user, attachment_pk: int, *, request=None) -> CaseReport:
    attachment = CaseAttachment.objects.editable_by(user).filter(pk=attachment_pk).select_related("case").first()
    if attachment is None:
        raise Http404
    case, name, stored = attachment.case, attachment.original_name, attachment.file.name
    storage = attachment.file.storage
    with transaction.atomic():
        attachment.delete()
        audit("case_report.detach", actor=user, request=request, target=case, organization=user.organization,
              before={"file": name})
        transaction.on_commit(lambda: storage.delete(stored))
    return case


def content_type_of(attachment: CaseAttachment) -> str:
    return CONTENT_TYPES.get(_extension(attachment.file.name), "application/octet-stream")


def cases_for_bulletin(quarter: str) -> list[CaseReport]:
    """The submitted reports of `quarter` the platform marked 纳入通报, by province and kind, with
    their province office loaded: what the .docx bulletin quotes."""
    return list(CaseReport.objects.filter(quarter=quarter, status=CaseStatus.SUBMITTED, for_bulletin=True)
                .select_related("organization", "organization__province")
                .order_by("organization__province__code", "kind", "pk"))
