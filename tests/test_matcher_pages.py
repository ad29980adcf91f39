"""The match cycle pages: who opens them, a province starting its own cycle, bad input, double submission."""

import pytest
from django.urls import reverse

from matching.matcher.models import MatchCycle

from .test_matcher import _profile, lib_world  # noqa: F401


@pytest.mark.parametrize("username", ["inst_bj_moe_admin", "ent_gd_admin", "moe_admin", "expert", "auditor"])
def test_only_the_platform_and_provinces_open_the_cycle_pages(world, login, username):
    client = login(world.user(username))
    assert client.get(reverse("matching:cycle_list")).status_code == 403
    assert client.post(reverse("matching:cycle_start")).status_code == 403
    assert client.get(reverse("matching:matcher_weights")).status_code == 403
    assert not MatchCycle.objects.filter(requested_by__isnull=False).exists()


def test_a_province_sees_only_its_cycles(world, login):
    client = login(world.user("prov_bj_admin"))
    page = client.get(reverse("matching:cycle_list")).content.decode()
    bj = MatchCycle.objects.get(organizer=world.orgs["prov_bj"])
    gd = MatchCycle.objects.get(organizer=world.orgs["prov_gd"])
    assert reverse("matching:cycle_detail", args=[bj.pk]) in page
    assert reverse("matching:cycle_detail", args=[gd.pk]) not in page
    assert client.get(reverse("matching:cycle_detail", args=[gd.pk])).status_code == 404
    assert client.get(reverse("matching:cycle_progress", args=[gd.pk])).status_code == 404
    assert client.get(reverse("matching:matcher_weights")).status_code == 403


def test_province_starts_a_cycle_for_its_enterprises_and_selected_patents(world, login, lib_world, settings,  # noqa: F811
                                                                           django_capture_on_commit_callbacks):
    settings.MATCHING_MIN_SCORE = 0.5
    _profile(world.orgs["ent_gd"], industry_codes=["1.5"])
    _profile(world.orgs["ent_bj_soe"], industry_codes=["1.5"])
    client = login(world.user("prov_gd_admin"))
    number = lib_world["entries"]["vision"].patent.application_number
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("matching:cycle_start"), {"application_numbers": f"{number}\n"})
    cycle = MatchCycle.objects.filter(organizer=world.orgs["prov_gd"]).latest("pk")
    assert response.status_code == 302 and response.url == reverse("matching:cycle_detail", args=[cycle.pk])
    cycle.refresh_from_db()
    assert cycle.kind == MatchCycle.Kind.PROVINCE and cycle.province_id == "440000"
    assert cycle.status == MatchCycle.Status.DONE and cycle.pushes_created == 1
    assert list(cycle.pushes.values_list("enterprise_id", "patent_id")) == [
        (world.orgs["ent_gd"].pk, lib_world["entries"]["vision"].patent_id)]
    page = client.get(reverse("matching:cycle_detail", args=[cycle.pk])).content.decode()
    assert "pn-cycle-progress" in page and "hx-get" not in page  # done: no more polling


def test_unknown_numbers_are_refused_and_nothing_written(world, login):
    client = login(world.user("prov_gd_admin"))
    before = MatchCycle.objects.count()
    response = client.post(reverse("matching:cycle_start"), {"application_numbers": "CN000\n<script>"}, follow=True)
    assert "未找到这些申请号" in response.content.decode()
    assert "<script>" not in response.content.decode()
    assert MatchCycle.objects.count() == before


def test_a_second_start_while_one_runs_is_refused(world, login):
    MatchCycle.objects.create(kind=MatchCycle.Kind.PLATFORM, organizer=world.orgs["platform"],
                              status=MatchCycle.Status.RUNNING)
    client = login(world.user("operator"))
    before = MatchCycle.objects.count()
    response = client.post(reverse("matching:cycle_start"), {}, follow=True)
    assert "已有一个匹配批次正在进行" in response.content.decode()
    assert MatchCycle.objects.count() == before


def test_running_cycle_polls_and_weights_page_explains(world, login):
    cycle = MatchCycle.objects.create(kind=MatchCycle.Kind.PLATFORM, status=MatchCycle.Status.RUNNING,
                                      chunks_total=4, chunks_done=1)
    client = login(world.user("operator"))
    partial = client.get(reverse("matching:cycle_progress", args=[cycle.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in partial and "pn-w-25" in partial
    page = client.get(reverse("matching:matcher_weights")).content.decode()
    assert "IPC 领域深度" in page and "G06V 10/82" in page
