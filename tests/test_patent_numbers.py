"""Patent identity (DATA-STANDARD.md §1): every written form of an application number folds to one
canonical number; a wrong one is refused with its reason, in Chinese."""

import datetime as dt

import pytest

from inventory.patents.identifiers import (
    InvalidPatentNumber,
    check_character,
    make_application_number,
    normalize_application_number,
    normalize_ipc,
    normalize_locarno,
    patent_number,
    patent_type_of,
)

CANONICAL = "CN202310123456.6"


@pytest.mark.parametrize("written", [
    "CN202310123456.6",
    "202310123456.6",
    "ZL 2023 1 0123456.6",
    "ZL202310123456.6",
    "CN 202310123456.6",
    "2023101234566",
    "2023 1 0123456.6",
    "  CN202310123456.6 ",
    "cn202310123456.6",
    "zl 202310123456.6",
    "Zl202310123456.6",
    "ＣＮ２０２３１０１２３４５６．６",  # full-width letters, digits and dot
    "２０２３１０１２３４５６。６",  # the ideographic full stop some input methods type
    "ZL　2023 1 0123456.6",  # ideographic space
    "CN\u00a0202310123456.6",  # non-breaking space pasted from a web page
    "\t202310123456.6\n",
    2023101234566,  # typed into a number cell
    2023101234566.0,  # the same, as a spreadsheet reader hands it over
    202310123456.6,  # typed with its dot into a number cell
])
def test_every_written_form_is_one_number(written):
    assert normalize_application_number(written) == CANONICAL


@pytest.mark.parametrize("written,canonical", [
    ("97101765.4", "CN97101765.4"),
    ("971017654", "CN97101765.4"),
    ("ZL97101765.4", "CN97101765.4"),
    ("95115608.X", "CN95115608.X"),
    ("95115608.x", "CN95115608.X"),
    ("ZL 95115608.x", "CN95115608.X"),
    ("95115608X", "CN95115608.X"),
    ("９５１１５６０８．Ｘ", "CN95115608.X"),
    (97101765.4, "CN97101765.4"),
    ("02100001.8", "CN02100001.8"),  # old numbers ran until 2003
])
def test_old_eight_digit_numbers(written, canonical):
    assert normalize_application_number(written) == canonical


def test_check_characters_of_the_standard_examples():
    # DATA-STANDARD.md §1: 202310123456 gives 127, remainder 6; 95115608 gives 186, remainder 10 = X.
    assert check_character("202310123456") == "6"
    assert check_character("95115608") == "X"
    assert make_application_number(2023, "1", 123456) == CANONICAL


def test_a_number_cell_that_lost_its_zero_check_digit():
    # 202310123457.0 typed into a number cell is stored as 202310123457: the ".0" is gone.
    assert check_character("202310123457") == "0"
    assert normalize_application_number(202310123457.0) == "CN202310123457.0"
    assert normalize_application_number(202310123457) == "CN202310123457.0"
    # As text the check digit is still required: the dot and digit were simply not written.
    with pytest.raises(InvalidPatentNumber, match="缺少校验位"):
        normalize_application_number("202310123457")


@pytest.mark.parametrize("written,reason", [
    ("CN202310123456.5", "校验位是 5,应为 6"),
    ("2023101234565", "校验位是 5,应为 6"),
    ("95115608.1", "校验位是 1,应为 X"),
    ("97101765.X", "校验位是 X,应为 4"),
    ("CN202340123456.6", "专利类型位是 4,只能是 1、2、3、8、9"),
    ("CN202300123456.6", "专利类型位是 0"),
    ("95515608.1", "专利类型位是 5"),
    ("CN199910123456.6", "申请年份 1999 不可能"),
    ("CN209910123456.6", "申请年份 2099 不可能"),
    ("CN200210123456.6", "申请年份 2002 不可能"),  # 12-digit numbers began in 2003
    ("50115608.1", "申请年份 50 不可能"),
    ("202310123456", "缺少校验位(应为 6)"),
    ("95115608", "缺少校验位(应为 X)"),
    ("2023101234", "位数不对"),
    ("20231012345X", "位数不对"),  # a digit short, not a misplaced X
    ("20231012X4566", "不是有效的申请号格式"),
    ("CN116012345B", "不是有效的申请号格式"),  # a grant publication number, not an application number
    ("申请中", "不是有效的申请号格式"),
    ("", "申请号为空"),
    ("   ", "申请号为空"),
    (None, "申请号为空"),
])
def test_rejections_say_why(written, reason):
    with pytest.raises(InvalidPatentNumber) as caught:
        normalize_application_number(written)
    assert reason in str(caught.value)


def test_the_year_bound_follows_today():
    number = make_application_number(2025, "1", 1)
    assert normalize_application_number(number, today=dt.date(2025, 1, 1)) == number
    with pytest.raises(InvalidPatentNumber, match="申请年份 2025 不可能"):
        normalize_application_number(make_application_number(2025, "1", 1), today=dt.date(2024, 12, 31))


@pytest.mark.parametrize("number,patent_type", [
    (make_application_number(2023, "1", 1), "invention"),
    (make_application_number(2023, "2", 1), "utility_model"),
    (make_application_number(2023, "3", 1), "design"),
    (make_application_number(2023, "8", 1), "invention"),  # PCT invention entering China
    (make_application_number(2023, "9", 1), "utility_model"),  # PCT utility model entering China
    ("CN95115608.X", "invention"),
    ("CN97201765.8", "utility_model"),
])
def test_type_digit_gives_the_patent_type(number, patent_type):
    assert patent_type_of(number) == patent_type


def test_patent_number_is_zl_with_the_same_digits():
    assert patent_number(CANONICAL) == "ZL202310123456.6"


@pytest.mark.parametrize("written,canonical", [
    ("G06F 16/30", "G06F 16/30"),
    ("G06F16/30", "G06F 16/30"),
    ("G06F 16/ 30", "G06F 16/30"),
    ("g06f16/30", "G06F 16/30"),
    ("Ｇ０６Ｆ１６／３０", "G06F 16/30"),
    ("A61K 31/4745", "A61K 31/4745"),
    ("H01L 21/02(2006.01)", "H01L 21/02"),
    ("G06F 016/30", "G06F 16/30"),
])
def test_ipc_symbols(written, canonical):
    assert normalize_ipc(written) == canonical


@pytest.mark.parametrize("written", ["G06F", "Z06F 16/30", "G06F 16", "16/30", "一种方法"])
def test_bad_ipc_symbols(written):
    with pytest.raises(InvalidPatentNumber, match="不是有效的 IPC 分类号"):
        normalize_ipc(written)


@pytest.mark.parametrize("written,canonical", [("14-02", "14-02"), ("14-2", "14-02"), ("LOC 14-02", "14-02"),
                                               ("14-02(12)", "14-02"), ("１４－０２", "14-02")])
def test_locarno_classes(written, canonical):
    assert normalize_locarno(written) == canonical


@pytest.mark.parametrize("written", ["G06F 16/30", "40-01", "1402", ""])
def test_bad_locarno_classes(written):
    with pytest.raises(InvalidPatentNumber, match="洛迦诺"):
        normalize_locarno(written)
