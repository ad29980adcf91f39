"""The review queue as a reviewer reads it (inventory.records.review_views): each row names the
patent (linked to its page), its department, state and listing-quality score, and the assessment
fields changed since the record's last review as "字段: 旧 → 新" in Chinese; a record opens in a
panel beside the queue, scoped to what the reviewer may review, and is approved or returned there.
"""

import json
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from inventory.choices import Intent, InventoryStatus, PatentType, ReviewState, Screening
from inventory.models import InventoryChange, InventoryRecord, Patent, PatentOwnership
from inventory.patents.identifiers import make_application_number
from inventory.records import history, review, update_assessment

from .test_review import COMPLETE

QUEUE = reverse("inventory:review_queue")
HTMX = {"HTTP_HX_REQUEST": "true"}


class _Text(HTMLParser):
    """The text a person reads on the page: text nodes outside script, style and template."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


def _row(html: str, record: InventoryRecord) -> str:
    match = re.search(rf'<tr id="review-{record.pk}".*?</tr>', html, re.S)
    assert match, f"no row for record {record.pk}"
    return match.group(0)


def _change(html: str, field: str) -> tuple[str, str] | None:
    """The old and new value a "字段: 旧 → 新" item of `field` shows, or None."""
    match = re.search(rf'data-field="{field}">.*?pn-review-old">(.*?)</span>.*?pn-review-new">(.*?)</span>', html, re.S)
    return (match.group(1).strip(), match.group(2).strip()) if match else None


def _submitted(world, *, department=None, count: int = 1, **values) -> list[InventoryRecord]:
    """Complete records of 北京示范大学 waiting for 计算机学院's admin (or, without a department,
    for the institution)."""
    org = world.orgs["inst_bj_moe"]
    start = Patent.objects.count()
    patents = Patent.objects.bulk_create([
        Patent(application_number=make_application_number(2021, "1", 3100000 + start + i), title=f"待审专利{start + i}",
               patent_type=PatentType.INVENTION, application_date=date(2021, 1, 1))
        for i in range(count)])
    PatentOwnership.objects.bulk_create([PatentOwnership(patent=p, organization=org) for p in patents])
    fields = {**COMPLETE, "screening": Screening.IN, "intents": [Intent.TRANSFER], "license_type": "",
              "contact_name": "张老师", "contact_phone": "13800138000", **values}
    return InventoryRecord.objects.bulk_create([
        InventoryRecord(patent=p, institution=org, department=department.name if department else "",
                        department_unit=department, review_state=ReviewState.SUBMITTED,
                        status=InventoryStatus.INVENTORIED, **fields)
        for p in patents])


@pytest.fixture
def dept_admin(world):
    return world.user("inst_bj_moe_dept_admin")


def test_intents_and_choices_read_in_chinese(world, login, dept_admin):
    records = [
        *_submitted(world, department=dept_admin.department, intents=[Intent.EQUITY, Intent.SELF]),
        *_submitted(world, department=dept_admin.department, intents=[Intent.NONE], screening=Screening.OUT),
        *_submitted(world, department=dept_admin.department, intents=[Intent.LICENSE], license_type="ordinary"),
    ]
    update_assessment(actor=dept_admin, record=records[2], values={"prospect": "good", "maturity": 7})
    html = login(dept_admin).get(QUEUE).content.decode()
    text = visible_text(html)
    assert "作价入股、自行实施" in text and "暂无" in text and "许可" in text
    assert "待二级单位审核" in text
    raw = re.findall(r"\b(equity|license|none|self|transfer|submitted|good|fair|ordinary)\b", text)
    assert not raw, f"raw codes on the page: {raw}"
    assert _change(_row(html, records[2]), "prospect") == ("一般", "较好")
    assert _change(_row(html, records[2]), "maturity") == ("5 相关环境验证", "7 真实环境样机演示")


def test_the_title_links_to_the_patent_page(world, login, dept_admin):
    record = _submitted(world, department=dept_admin.department)[0]
    row = _row(login(dept_admin).get(QUEUE).content.decode(), record)
    link = reverse("inventory:patent_detail", args=[record.patent_id])
    assert re.search(rf'<a href="{link}"[^>]*>{record.patent.title}</a>', row)
    assert record.patent.application_number in row and dept_admin.department.name in row


def test_the_changes_since_the_last_review_show_old_and_new(world, login, dept_admin):
    """Edits before the last review (here, a return) are not listed; those after it are, from the
    value at the review to the value now; a field changed and changed back is not."""
    record = _submitted(world, department=dept_admin.department)[0]
    staff = world.user("inst_bj_moe_member")
    update_assessment(actor=dept_admin, record=record, values={"scenarios": "改写前的应用场景"})
    assert review.return_(dept_admin, [record.pk], "请补充转化意愿").done == 1
    record.refresh_from_db()
    update_assessment(actor=staff, record=record, values={"intents": [Intent.LICENSE, Intent.EQUITY],
                                                          "license_type": "exclusive"})
    record.refresh_from_db()
    update_assessment(actor=staff, record=record, values={"prospect": "good"})
    record.refresh_from_db()
    update_assessment(actor=staff, record=record, values={"prospect": "fair", "maturity": 8})
    record.refresh_from_db()
    assert record.review_state == ReviewState.SUBMITTED  # resubmitted by the edit

    row = _row(login(dept_admin).get(QUEUE).content.decode(), record)
    assert _change(row, "intents") == ("转让", "许可、作价入股")
    assert _change(row, "license_type") == ("—", "独占许可")
    assert _change(row, "maturity") == ("5 相关环境验证", "8 系统完成并通过验证")
    assert _change(row, "prospect") is None  # changed back
    assert _change(row, "scenarios") is None  # before the return
    assert "转化意愿: 转让 →改为 许可、作价入股" in visible_text(row)  # 改为: read out, not shown

    # Approved: nothing changed since.
    assert review.approve(dept_admin, [record.pk]).done == 1
    row = _row(login(dept_admin).get(QUEUE + "?state=department_reviewed").content.decode(), record)
    assert "自上次审核以来未改动" in visible_text(row) and _change(row, "intents") is None


def test_a_record_never_reviewed_lists_its_changes_since_creation(world, login, dept_admin):
    record, untouched = _submitted(world, department=dept_admin.department, count=2)
    update_assessment(actor=dept_admin, record=record, values={"industry_codes": ["1.5"], "value_grade": "A"})
    html = login(dept_admin).get(QUEUE).content.decode()
    row = _row(html, record)
    old, new = _change(row, "industry_codes")
    assert (old, new) == ("—", "1.5 人工智能")  # the industry by its name
    assert _change(row, "value_grade") == ("—", "A 高价值")
    assert "尚无审核或变更记录" in visible_text(_row(html, untouched))


def test_since_last_review_reads_a_page_in_one_query(world, dept_admin, django_assert_num_queries):
    records = _submitted(world, department=dept_admin.department, count=30)
    for record in records[:10]:
        update_assessment(actor=dept_admin, record=record, values={"maturity": 6})
    review.return_(dept_admin, [r.pk for r in records[:5]], "再看看")
    with django_assert_num_queries(1):
        changed = history.since_last_review([r.pk for r in records], ("maturity",))
    assert set(changed) == {r.pk for r in records[5:10]}
    assert changed[records[7].pk] == {"maturity": [5, 6]}


def test_the_listing_score_shows(world, login, dept_admin):
    record = _submitted(world, department=dept_admin.department)[0]
    InventoryRecord.objects.filter(pk=record.pk).update(listing_score=70)
    row = _row(login(dept_admin).get(QUEUE).content.decode(), record)
    assert 'aria-label="挂牌信息完整度 70/100"' in row and ">70</span>" in row


def test_the_panel_shows_the_whole_assessment(world, login, dept_admin):
    record = _submitted(world, department=dept_admin.department, intents=[Intent.EQUITY])[0]
    response = login(dept_admin).get(reverse("inventory:review_record", args=[record.pk]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a partial for the panel
    text = visible_text(html)
    for label in ("是否入库", "转化意愿", "技术成熟度", "产业化前景", "联系人", "挂牌信息完整度"):
        assert label in text
    assert "作价入股" in text and "equity" not in text
    assert 'id="pn-review-approve"' in html and 'id="pn-review-return"' in html
    assert reverse("inventory:patent_detail", args=[record.patent_id]) in html
    # Without htmx, the same on a page of its own.
    page = login(dept_admin).get(reverse("inventory:review_record", args=[record.pk]))
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_the_panel_is_scoped_to_the_reviewers_records(world, login, dept_admin):
    own = _submitted(world, department=dept_admin.department)[0]
    other_department = InventoryRecord.objects.get(patent=world.patents["co_owned"])  # 机械工程学院
    other_institution = InventoryRecord.objects.get(patent=world.patents["gd_private"])
    url = lambda record: reverse("inventory:review_record", args=[record.pk])  # noqa: E731
    assert login(dept_admin).get(url(own), **HTMX).status_code == 200
    assert login(dept_admin).get(url(other_department), **HTMX).status_code == 404
    assert login(dept_admin).get(url(other_institution), **HTMX).status_code == 404
    assert login(world.user("inst_gd_local_admin")).get(url(own), **HTMX).status_code == 404
    for name in ("ent_gd_admin", "prov_bj_admin", "inst_bj_moe_inventor"):
        assert login(world.user(name)).get(url(own), **HTMX).status_code == 403
    # Nor may they act on it.
    action = reverse("inventory:review_record_action", args=[own.pk])
    assert login(world.user("inst_gd_local_admin")).post(action, {"action": "approve"}, **HTMX).status_code == 404
    assert InventoryRecord.objects.get(pk=own.pk).review_state == ReviewState.SUBMITTED


def test_approve_and_return_from_the_panel(world, login, dept_admin):
    first, second = _submitted(world, department=dept_admin.department, count=2)
    client = login(dept_admin)
    response = client.post(reverse("inventory:review_record_action", args=[first.pk]), {"action": "approve"}, **HTMX)
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"pn-reviewed": {"record": first.pk}}
    first.refresh_from_db()
    assert first.review_state == ReviewState.DEPARTMENT_REVIEWED
    html = response.content.decode()
    # The panel again, the queue's row swapped out of band (marked done) and the status line.
    assert f'class="card-body pn-review-record" data-record="{first.pk}"' in html
    assert re.search(rf'<tr id="review-{first.pk}"[^>]*pn-review-done[^>]*hx-swap-oob="true"', html)
    assert f"{first.patent.application_number} 已审核通过,现为“待学校审核”" in visible_text(
        html.split('id="pn-review-status"')[1])
    assert InventoryChange.objects.filter(record=first, changed_by=dept_admin,
                                          changes__review_state=["submitted", "department_reviewed"]).exists()

    # A return needs its reason: refused in the panel, nothing moves.
    url = reverse("inventory:review_record_action", args=[second.pk])
    response = client.post(url, {"action": "return", "reason": "  "}, **HTMX)
    assert response.status_code == 200 and "HX-Trigger" not in response
    assert "请填写退回原因" in response.content.decode()
    assert InventoryRecord.objects.get(pk=second.pk).review_state == ReviewState.SUBMITTED
    response = client.post(url, {"action": "return", "reason": "应用场景太简略"}, **HTMX)
    assert "pn-reviewed" in response["HX-Trigger"]
    second.refresh_from_db()
    assert (second.review_state, second.return_reason) == (ReviewState.RETURNED, "应用场景太简略")

    # A record no longer waiting for the reviewer: refused, said so.
    response = client.post(reverse("inventory:review_record_action", args=[first.pk]), {"action": "approve"}, **HTMX)
    assert "HX-Trigger" not in response and "不在您可处理的范围内" in response.content.decode()
    # Without htmx: back to the queue with a message.
    third = _submitted(world, department=dept_admin.department)[0]
    response = client.post(reverse("inventory:review_record_action", args=[third.pk]), {"action": "approve"},
                           follow=True)
    assert response.redirect_chain[-1][0] == QUEUE and "已审核通过 1 件" in response.content.decode()


def test_the_panel_offers_what_the_user_may_do(world, login, dept_admin):
    record = _submitted(world, department=dept_admin.department)[0]
    # The institution waits for the department: it may return the record, not approve it yet.
    html = login(world.user("inst_bj_moe_admin")).get(
        reverse("inventory:review_record", args=[record.pk]), **HTMX).content.decode()
    assert 'id="pn-review-return"' in html and 'id="pn-review-approve"' not in html
    assert review.actions_on(dept_admin, record.pk) == {"approve", "return"}
    InventoryRecord.objects.filter(pk=record.pk).update(review_state=ReviewState.DRAFT)
    assert review.actions_on(dept_admin, record.pk) == {"submit"}
