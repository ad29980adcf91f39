"""The §3 cross-field rules (DATA-STANDARD.md §3) are one function, `formats.cross_field_errors`:
the per-patent page, the API's PATCH, the workbench bulk actions and the standard-format upload
refuse the same rule-breaking values, with the same message, and write nothing.

Each case starts the same record (北京示范大学's bj_moe_private, edited by institution-level staff)
from the same values and breaks one rule by each path. A bulk action cannot set every field (the
funding fields, the licence type), so it takes part in the rules it can break."""

from dataclasses import dataclass, replace
from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from inventory.choices import ConversionKind, Disposal, Intent, LicenseType, Screening
from inventory.models import Conversion, InventoryChange, InventoryRecord
from inventory.records.formats import InventoryFormat
from inventory.workbench import bulk

from .test_inventory_upload import good_row, messages, run, xlsx_bytes

HEADER = {column.key: column.header for column in InventoryFormat().columns}
# The conversion group of the page's form, as the browser posts it (the whole group).
CONVERSION_GROUP = ("screening", "intents", "license_type", "asking_price", "disposal")


@dataclass(frozen=True)
class Case:
    field: str  # the field (column) the message is shown on
    fragment: str  # a part of the message
    record: dict  # the record's values before the edit
    page: tuple[str, dict]  # (group, values posted)
    api: dict  # the PATCH body
    upload: dict  # the upload row's cells, over a valid row
    bulk: tuple[str, object] | None = None  # (action, value)
    exclusive_contract: bool = False  # an exclusive licence contract of the patent is in force


CASES = {
    "library-needs-an-intent": Case(
        "intents", "入库的专利须填写“暂无”以外的转化意愿",
        record={"screening": Screening.OUT, "intents": []},
        page=("conversion", {"screening": "in", "intents": []}),
        api={"screening": "in"},
        bulk=("screen_in", None),
        upload={"转化意愿": ""},
    ),
    "library-with-abandon": Case(
        "disposal", "“入库”与处置建议“放弃维持”相互矛盾",
        record={"screening": Screening.OUT, "intents": [Intent.TRANSFER], "disposal": Disposal.ABANDON},
        page=("conversion", {"screening": "in", "intents": ["transfer"], "disposal": "abandon"}),
        api={"screening": "in"},
        bulk=("screen_in", None),
        upload={"转化意愿": "转让", "处置建议": "放弃维持"},
    ),
    "licence-needs-its-type": Case(
        "license_type", "转化意愿含“许可”时须填写许可方式",
        record={"screening": Screening.OUT, "intents": [Intent.TRANSFER], "license_type": ""},
        page=("conversion", {"screening": "out", "intents": ["license"]}),
        api={"intents": ["license"]},
        bulk=("set_intent", ["license"]),
        upload={"是否入库": "不入库", "转化意愿": "许可", "许可方式": ""},
    ),
    "none-stands-alone": Case(
        "intents", "“暂无”只能单独填写",
        record={"screening": Screening.OUT, "intents": []},
        page=("conversion", {"screening": "out", "intents": ["none", "transfer"]}),
        api={"intents": ["none", "transfer"]},
        bulk=("set_intent", ["none", "transfer"]),
        upload={"是否入库": "不入库", "转化意愿": "暂无;转让", "许可方式": ""},
    ),
    "funding-needs-its-number": Case(
        "funding_project_number", "须填写资助项目编号",
        record={"is_financially_funded": False, "funding_project_number": ""},
        page=("funding", {"is_financially_funded": "true", "funding_project_number": ""}),
        api={"is_financially_funded": True},
        upload={"是否财政资助": "是", "资助项目编号": ""},
    ),
    "open-licence-over-a-declared-exclusive-one": (OPEN_LICENCE := Case(
        "license_type", "该专利已登记排他许可,不能再声明开放许可",
        record={"screening": Screening.OUT, "intents": [Intent.LICENSE], "license_type": LicenseType.SOLE},
        page=("conversion", {"screening": "out", "intents": ["license"], "license_type": "open"}),
        api={"license_type": "open"},
        upload={"是否入库": "不入库", "转化意愿": "许可", "许可方式": "开放许可"},
    )),
    # The same values, while an exclusive licence contract of the patent runs.
    "open-licence-while-an-exclusive-contract-runs": replace(
        OPEN_LICENCE, fragment="该专利已登记独占许可,不能再声明开放许可", exclusive_contract=True,
        record={**OPEN_LICENCE.record, "license_type": LicenseType.ORDINARY}),
}


def _prepare(world, case: Case) -> InventoryRecord:
    patent = world.patents["bj_moe_private"]
    InventoryRecord.objects.filter(patent=patent).update(**case.record)
    if case.exclusive_contract:
        Conversion.objects.create(patent=patent, institution=world.orgs["inst_bj_moe"], kind=ConversionKind.LICENSE,
                                  license_type=LicenseType.EXCLUSIVE, counterparty="江南智能装备有限公司",
                                  effective_date=date(2024, 1, 1))
    return InventoryRecord.objects.get(patent=patent)


def _values(record: InventoryRecord) -> tuple:
    return tuple(InventoryRecord.objects.filter(pk=record.pk).values_list()[0])


def _page_data(case: Case, record: InventoryRecord) -> dict:
    group, values = case.page
    names = CONVERSION_GROUP if group == "conversion" else values
    data = {"group": group, f"{group}-version": record.version}
    for name in names:
        value = values.get(name, [] if name == "intents" else "")
        data[f"{group}-{name}"] = value
    return data


def _refused_by_page(world, login, case: Case, record: InventoryRecord) -> str:
    group = case.page[0]
    response = login(world.user("inst_bj_moe_admin")).post(
        reverse("inventory:patent_save", args=[record.patent_id]) + f"?group={group}", _page_data(case, record),
        HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert response.status_code == 200 and "HX-Trigger" not in response and "invalid-feedback" in text
    return text


def _refused_by_api(world, case: Case, record: InventoryRecord) -> str:
    client = APIClient()
    client.force_authenticate(world.user("inst_bj_moe_admin"))
    response = client.patch(f"/api/v1/inventory-records/{record.pk}/", {**case.api, "version": record.version},
                            format="json")
    assert response.status_code == 400, response.content
    return response.json()[case.field][0]


def _refused_by_upload(world, case: Case, record: InventoryRecord) -> str:
    batch = run(world.user("inst_bj_moe_admin"), xlsx_bytes([good_row(record.patent, **case.upload)]))
    assert batch.counts["rejected"] == 1 and batch.counts["new"] + batch.counts["updated"] == 0
    return messages(batch)[(2, HEADER[case.field])]


@pytest.mark.parametrize("path", ["page", "api", "bulk", "upload"])
@pytest.mark.parametrize("name", list(CASES))
def test_every_path_refuses_the_same_rule_breaking_values(world, login, name, path):
    case = CASES[name]
    record = _prepare(world, case)
    before = _values(record)
    if path == "page":
        assert case.fragment in _refused_by_page(world, login, case, record)
    elif path == "api":
        assert case.fragment in _refused_by_api(world, case, record)
    elif path == "upload":
        assert case.fragment in _refused_by_upload(world, case, record)
    else:
        if case.bulk is None:
            pytest.skip("no bulk action sets these fields")
        action, value = case.bulk
        actor = world.user("inst_bj_moe_admin")
        try:
            result = bulk.apply_bulk_action(actor=actor, action=action, value=value, ids=[record.pk])
        except bulk.BulkError as error:  # the action's value itself breaks the rule
            assert case.fragment in str(error)
        else:
            assert (result.changed, result.refused) == (0, 1)
    assert _values(record) == before
    assert not InventoryChange.objects.filter(record=record).exists()


@pytest.mark.parametrize("name", list(CASES))
def test_the_message_is_the_same_on_every_path(world, login, name):
    """Page, API and upload show one message for one rule (the bulk page counts the refused rows)."""
    case = CASES[name]
    record = _prepare(world, case)
    api_message = _refused_by_api(world, case, record)
    assert api_message == _refused_by_upload(world, case, record)
    assert api_message in _refused_by_page(world, login, case, record)
