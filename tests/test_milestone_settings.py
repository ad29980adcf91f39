"""The platform edits the national milestones in the browser (DATA-STANDARD.md §7: data, not code)."""

import datetime as dt

from django.urls import reverse

from accounts.models import AuditEvent
from inventory.models import Milestone

URL = "inventory:milestone_settings"


def _data(changes: dict | None = None) -> dict:
    changes = changes or {}
    milestones = list(Milestone.objects.order_by("deadline", "id"))
    data = {"form-TOTAL_FORMS": str(len(milestones) + 1), "form-INITIAL_FORMS": str(len(milestones)),
            "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000"}
    for index, m in enumerate(milestones):
        row = {"id": m.pk, "name": m.name, "applies_to": m.applies_to, "deadline": m.deadline or "",
               "days_after_grant": m.days_after_grant or "", "granted_until": m.granted_until or "",
               "granted_after": m.granted_after or "", "target_percent": m.target_percent,
               "is_active": "on" if m.is_active else ""}
        row.update(changes.get(index, {}))
        data.update({f"form-{index}-{key}": value for key, value in row.items() if value != ""})
    # The blank row for a new milestone, as a browser sends it (启用 starts ticked).
    data[f"form-{len(milestones)}-is_active"] = "on"
    return data


def _index_of(applies_to: str) -> int:
    return [m.applies_to for m in Milestone.objects.order_by("deadline", "id")].index(applies_to)


def test_operator_moves_a_deadline(world, login):
    client = login(world.user("operator"))
    assert client.get(reverse(URL)).status_code == 200
    index = _index_of("demo")
    first = Milestone.objects.order_by("deadline", "id")[index]
    response = client.post(reverse(URL), _data({index: {"deadline": "2024-04-30"}}))
    assert response.status_code == 302, response.content.decode()[:2000]
    first.refresh_from_db()
    assert first.deadline == dt.date(2024, 4, 30)
    assert AuditEvent.objects.filter(action="inventory.milestones_update").exists()


def test_deadline_or_rolling_days_but_not_both(world, login):
    client = login(world.user("operator"))
    before = list(Milestone.objects.values_list("deadline", "days_after_grant"))
    response = client.post(reverse(URL), _data({_index_of("demo"): {"days_after_grant": 30}}))
    assert response.status_code == 200 and "须且只能填写一项" in response.content.decode()
    assert list(Milestone.objects.values_list("deadline", "days_after_grant")) == before


def test_only_the_operator(world, login):
    for name in ("moe_admin", "prov_bj_admin", "inst_bj_moe_admin", "sysadmin"):
        assert login(world.user(name)).get(reverse(URL)).status_code == 403
