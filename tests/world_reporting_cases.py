"""The fixture world's additions for the reporting area 'cases' (called at the end of world.build_world).

北京's office submitted a typical case (marked for the bulletin, with a PDF) and keeps a problem
report as a draft (with a PNG); 广东's office submitted an experience report. Expectations, by hand
(reporting.cases.models): a report is read by the platform, its province office, and once
submitted by every ministry; changed (and its attachments) by its province office while a draft;
marked for the bulletin by the platform once submitted.
"""

from django.core.files.base import ContentFile
from django.utils import timezone

from reporting.cases.models import CaseAttachment, CaseKind, CaseReport, CaseStatus

from .isolation.objects import WorldObject

AUDIT = frozenset({"auditor"})
MINISTRIES = {"moe_admin", "sasac_admin"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def extend(world) -> dict[str, list]:
    o, u = world.orgs, world.users
    now = timezone.now()
    bj_case = CaseReport.objects.create(
        organization=o["prov_bj"], quarter="2026Q3", kind=CaseKind.CASE, title="北京高校专利许可典型案例",
        text="某高校通过开放许可实现 12 件专利转化。", status=CaseStatus.SUBMITTED, submitted_at=now,
        for_bulletin=True, marked_at=now, marked_by=u["operator"], created_by=u["prov_bj_admin"])
    bj_draft = CaseReport.objects.create(
        organization=o["prov_bj"], quarter="2026Q4", kind=CaseKind.PROBLEM, title="北京盘点问题建议(草稿)",
        text="部分院所反映盘点字段过多。", created_by=u["prov_bj_admin"])
    gd_case = CaseReport.objects.create(
        organization=o["prov_gd"], quarter="2026Q3", kind=CaseKind.PRACTICE, title="广东医院专利转化经验做法",
        text="设立转化专员。", status=CaseStatus.SUBMITTED, submitted_at=now, created_by=u["prov_gd_admin"])

    def attach(case, name, content) -> CaseAttachment:
        attachment = CaseAttachment(case=case, original_name=name, size=len(content), sha256="0" * 64,
                                    uploaded_by=case.created_by)
        attachment.file.save(f"world-{case.pk}-{name}", ContentFile(content), save=True)
        return attachment

    bj_pdf = attach(bj_case, "案例材料.pdf", PDF)
    bj_png = attach(bj_draft, "问题截图.png", PNG)

    def obj(key, item, viewers, editors, **named) -> WorldObject:
        named = {k.replace("__", ":"): frozenset(v) for k, v in named.items()}
        return WorldObject(key, item, frozenset(viewers), frozenset(editors), {"visible_to:audit": AUDIT, **named})

    submitted_bj = {"operator", "prov_bj_admin", *MINISTRIES}
    return {
        "reporting.casereport": [
            obj("case_bj_submitted", bj_case, submitted_bj, (), editable_by__mark={"operator"}),
            obj("case_bj_draft", bj_draft, {"operator", "prov_bj_admin"}, {"prov_bj_admin"}, editable_by__mark=()),
            obj("case_gd_submitted", gd_case, {"operator", "prov_gd_admin", *MINISTRIES}, (),
                editable_by__mark={"operator"}),
        ],
        "reporting.caseattachment": [
            obj("case_bj_submitted_pdf", bj_pdf, submitted_bj, ()),
            obj("case_bj_draft_png", bj_png, {"operator", "prov_bj_admin"}, {"prov_bj_admin"}),
        ],
    }


def fingerprint() -> tuple:
    """What a forbidden request might change in this area (compared around each one)."""
    return (
        tuple(CaseReport.objects.order_by("pk").values_list()),
        tuple(CaseAttachment.objects.order_by("pk").values_list("pk", "case_id", "file", "size")),
    )


def grow(world) -> None:
    """One round of tests/world_growth.py for this area: each province office submits a report with
    an attachment and keeps a draft."""
    o, u = world.orgs, world.users
    now = timezone.now()
    for key in ("prov_bj", "prov_gd"):
        for status in (CaseStatus.SUBMITTED, CaseStatus.DRAFT):
            case = CaseReport.objects.create(
                organization=o[key], quarter="2026Q3", kind=CaseKind.PRACTICE, title=f"{key} 增长 {now:%H%M%S%f}",
                text="增长轮次", status=status, submitted_at=now if status == CaseStatus.SUBMITTED else None,
                created_by=u[f"{key}_admin"])
            CaseAttachment.objects.create(case=case, file=f"reporting/cases/world/{case.pk}.pdf",
                                          original_name=f"附件{case.pk}.pdf", size=10, sha256="0" * 64)
