"""Sleeping patents: every condition of the rule, idempotence, the command and task."""

import datetime as dt
import io
import itertools

import pytest
from django.core.management import call_command

from accounts.models import Organization, Province
from inventory.choices import ConversionKind, ImplementationStatus, LegalStatus, PatentType
from inventory.models import Conversion, InventoryRecord, Patent, PatentOwnership
from inventory.patents.identifiers import make_application_number
from inventory.patents.sleeping import flag_sleeping_patents, years_before

TODAY = dt.date(2025, 6, 15)
FIVE_YEARS_AGO = dt.date(2020, 6, 15)
_serials = itertools.count(4_000_000)


@pytest.fixture
def org(db) -> Organization:
    return Organization.objects.create(
        kind=Organization.Kind.INSTITUTION, name="沉睡测试大学", province=Province.objects.get(code="110000"),
    )


def _patent(org, *, funding="2018YFA0000001", record_funded=None, granted=dt.date(2019, 1, 1),
            legal_status=LegalStatus.VALID, implementation="", record=True, conversion=None) -> Patent:
    patent = Patent.objects.create(
        application_number=make_application_number(2017, "1", next(_serials)), title="一种测试方法",
        patent_type=PatentType.INVENTION, application_date=dt.date(2017, 1, 1), grant_date=granted,
        legal_status=legal_status, funding_project_number=funding,
    )
    if record:
        InventoryRecord.objects.create(patent=patent, institution=org, is_financially_funded=record_funded,
                                       implementation_status=implementation)
    if conversion:
        Conversion.objects.create(patent=patent, institution=org, kind=conversion)
    return patent


def _sleeping(patent: Patent) -> bool:
    return Patent.objects.get(pk=patent.pk).is_sleeping


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, True),  # funded by its base-library project number, granted 2019, valid, not implemented
    ({"implementation": ImplementationStatus.NONE}, True),  # 未实施 declared
    ({"record": False}, True),  # no inventory record yet: nothing says it was implemented
    ({"funding": "", "record_funded": True}, True),  # funded per the institution's 是否财政资助
    ({"funding": "", "record_funded": False}, False),  # not funded
    ({"funding": "", "record_funded": None}, False),
    ({"funding": "", "record": False}, False),
    ({"granted": FIVE_YEARS_AGO}, False),  # exactly five years: not more than five
    ({"granted": FIVE_YEARS_AGO - dt.timedelta(days=1)}, True),
    ({"granted": None}, False),  # not granted
    ({"legal_status": LegalStatus.INVALID}, False),
    ({"implementation": ImplementationStatus.SELF}, False),
    ({"implementation": ImplementationStatus.LICENSED}, False),
    ({"implementation": ImplementationStatus.INDUSTRIALISED}, False),
    ({"conversion": ConversionKind.LICENSE}, False),  # a recorded conversion implements it
    ({"record": False, "conversion": ConversionKind.TRANSFER}, False),
])
def test_each_condition_of_the_rule(org, kwargs, expected):
    patent = _patent(org, **kwargs)
    flag_sleeping_patents(TODAY)
    assert _sleeping(patent) is expected


def test_flags_are_set_and_cleared_idempotently(org):
    asleep = _patent(org)
    awake = _patent(org, implementation=ImplementationStatus.SELF)
    Patent.objects.filter(pk=awake.pk).update(is_sleeping=True)  # a stale flag
    assert flag_sleeping_patents(TODAY) == {"flagged": 1, "cleared": 1, "sleeping": 1}
    assert flag_sleeping_patents(TODAY) == {"flagged": 0, "cleared": 0, "sleeping": 1}
    Conversion.objects.create(patent=asleep, institution=org, kind=ConversionKind.EQUITY)
    assert flag_sleeping_patents(TODAY) == {"flagged": 0, "cleared": 1, "sleeping": 0}
    assert not _sleeping(asleep) and not _sleeping(awake)



def test_the_ownerships_copy_follows_and_heals(org):
    """The workbench lists an institution's sleeping patents from its ownerships' copy of the flag."""
    asleep, awake = _patent(org), _patent(org, implementation=ImplementationStatus.SELF)
    for patent in (asleep, awake):
        PatentOwnership.objects.create(patent=patent, organization=org)
    flag_sleeping_patents(TODAY)
    assert _owned_asleep(org) == {asleep.pk}
    # A copy left behind (an ownership written without it) is brought in line by the next run.
    other = Organization.objects.create(kind=Organization.Kind.INSTITUTION, name="共有大学",
                                        province=Province.objects.get(code="110000"))
    PatentOwnership.objects.bulk_create([PatentOwnership(patent=asleep, organization=other)])
    assert _owned_asleep(other) == {asleep.pk}  # created in bulk, it takes the patent's flag
    PatentOwnership.objects.filter(organization=other).update(is_sleeping=False)  # as a raw INSERT would leave it
    assert _owned_asleep(other) == set()
    assert flag_sleeping_patents(TODAY)["flagged"] == 0
    assert _owned_asleep(other) == {asleep.pk}
    Conversion.objects.create(patent=asleep, institution=org, kind=ConversionKind.TRANSFER)
    flag_sleeping_patents(TODAY)
    assert _owned_asleep(org) == _owned_asleep(other) == set()


def test_a_scoped_run_touches_only_its_patents(org):
    mine, others = _patent(org), _patent(org)
    counts = flag_sleeping_patents(TODAY, patents=Patent.objects.filter(pk=mine.pk))
    assert counts == {"flagged": 1, "cleared": 0, "sleeping": 1}
    assert _sleeping(mine) and not _sleeping(others)


def _owned_asleep(org) -> set[int]:
    return set(PatentOwnership.objects.filter(organization=org, is_sleeping=True).values_list("patent_id", flat=True))

def test_a_patent_falls_asleep_as_time_passes(org):
    patent = _patent(org, granted=dt.date(2021, 3, 1))
    assert flag_sleeping_patents(dt.date(2026, 3, 1))["sleeping"] == 0
    assert flag_sleeping_patents(dt.date(2026, 3, 2))["sleeping"] == 1
    assert _sleeping(patent)


def test_leap_day():
    assert years_before(dt.date(2024, 2, 29), 5) == dt.date(2019, 2, 28)


def test_command_and_task(org):
    patent = _patent(org)
    out = io.StringIO()
    call_command("flag_sleeping_patents", date=TODAY.isoformat(), stdout=out)
    assert "新标记 1 件" in out.getvalue() and _sleeping(patent)
    from inventory.tasks import flag_sleeping_patents_task

    counts = flag_sleeping_patents_task.delay().get()
    assert counts["sleeping"] == 1 and counts["flagged"] == 0


def test_command_rejects_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="2025-13-01"):
        call_command("flag_sleeping_patents", date="2025-13-01")


def test_beat_schedules_the_nightly_checks(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"inventory.flag_sleeping_patents", "inventory.check_milestones",
            "inventory.drop_abandoned_upload_stages"} <= tasks
