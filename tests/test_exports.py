"""Exports in one place (accounts.exports): every export route, page or API, writes exactly one
audit event, with its Export's action (the same for the page and the API of one export); an export
refused (out of scope, not allowed, nothing to export) writes none; and no other code writes an
"export." audit event."""

import ast
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import get_resolver, reverse
from rest_framework.test import APIClient

from accounts.allocation_views import _result_key
from accounts.exports import EXPORTS
from accounts.models import AuditEvent
from accounts.services import platform_organization
from inventory.models import ImportBatch
from reporting.reports.models import ReportJob

from .test_inventory_upload import good_row, run, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def files(world, settings, tmp_path) -> dict[str, object]:
    """An inventory upload of 北京示范大学 with an error report, a base library run with one, and an
    account allocation's result waiting in the cache."""
    settings.MEDIA_ROOT = tmp_path / "media"
    bj = world.user("inst_bj_moe_admin")
    batch = run(bj, xlsx_bytes([good_row(world.patents["bj_moe_private"], 技术成熟度="十")]))
    assert batch.counts["rejected"] == 1
    base = ImportBatch.objects.create(kind=ImportBatch.Kind.BASE_LIBRARY, organization=platform_organization(),
                                      created_by=world.user("operator"), original_name="基础库.csv", sha256="0" * 64)
    base.error_report.save("report.csv", ContentFile("行号,错误\n2,校验位不对\n".encode()))
    cache.set(_result_key("result-token"), {
        "user": world.user("operator").pk, "filename": "账号分配结果.xlsx", "sheet": b"PK-sheet",
        "original_name": "账号分配表.xlsx", "counts": {"rows": 1, "accounts": 2}})
    # Audit events are never deleted: the tests count those after this one.
    return {"batch": batch.pk, "base": base.pk, "clean": world.batches["bj_moe_upload"].pk,
            "since": AuditEvent.objects.order_by("pk").last().pk}


def _exports(files) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=files["since"], action__startswith="export.").order_by("pk"))


def _page(username: str, url: str):
    def get(world, client):
        client.force_login(world.user(username))
        return client.get(url)
    return get


def _api(username: str, url: str):
    def get(world, client):
        api = APIClient()
        api.force_authenticate(world.user(username))
        return api.get(url)
    return get


def _report(username: str, org: str, *, api: bool = False):
    """The download of the world's progress report of organisation `org` (tests/world_reporting_reports.py),
    by the page or by the API."""
    def get(world, client):
        job = ReportJob.objects.get(organization=world.orgs[org])
        if api:
            return _api(username, f"/api/v1/reports/{job.pk}/download/")(world, client)
        client.force_login(world.user(username))
        return client.get(reverse("reporting:report_download", args=[job.pk]))
    return get


def _case_attachment(username: str, key: str):
    """The download of the world's case attachment `key` (tests/world_reporting_cases.py)."""
    def get(world, client):
        attachment = next(item.obj for item in world.extra_objects["reporting.caseattachment"] if item.key == key)
        client.force_login(world.user(username))
        return client.get(reverse("reporting:case_attachment", args=[attachment.pk]))
    return get


def _stat_list(username: str, key: str):
    """The .xlsx of the list behind the implemented patents of the world's statistics row `key`
    (tests/world_reporting_statistics.py)."""
    def get(world, client):
        stat = next(item.obj for item in world.extra_objects["reporting.quarterlystat"] if item.key == key)
        client.force_login(world.user(username))
        return client.get(reverse("reporting:stat_trace", args=[stat.pk]) + "?figure=implemented&format=xlsx")
    return get


# label -> (the export's audit action, a request as a user allowed to export, given the files' ids)
ROUTES = {
    "page: needs template": ("export.needs_template", lambda f: _page(
        "ent_gd_admin", reverse("matching:template_needs"))),
    "page: expert recommendation template": ("export.experts_template", lambda f: _page(
        "prov_gd_admin", reverse("evaluation:template_experts"))),
    "page: evaluation feedback template": ("export.evaluation_feedback_template", lambda f: _page(
        "prov_gd_admin", reverse("evaluation:feedback_template"))),
    "page: evaluation feedback": ("export.evaluation_feedback", lambda f: _page(
        "inst_bj_moe_admin", reverse("evaluation:feedback_export"))),
    "page: why patents do not convert": ("export.evaluation_reasons", lambda f: _page(
        "moe_admin", reverse("evaluation:feedback_reasons_export"))),
    "page: dashboard data": ("export.dashboard", lambda f: _page(
        "prov_bj_admin", reverse("reporting:dashboard_export") + "?chart=ranking")),
    "page: error report": ("export.import_error_report", lambda f: _page(
        "inst_bj_moe_admin", reverse("inventory:upload_report", args=[f["batch"]]))),
    "API: error report": ("export.import_error_report", lambda f: _api(
        "inst_bj_moe_admin", f"/api/v1/import-batches/{f['batch']}/report/")),
    "page: uploaded file": ("export.import_file", lambda f: _page(
        "operator", reverse("inventory:upload_file", args=[f["batch"]]))),
    "page: inventory template": ("export.inventory_template", lambda f: _page(
        "inst_gd_local_admin", reverse("inventory:template_inventory"))),
    "page: my patents pre-filled": ("export.inventory_prefilled", lambda f: _page(
        "inst_bj_moe_admin", reverse("inventory:export_prefilled"))),
    "page: base library template": ("export.base_library_template", lambda f: _page(
        "operator", reverse("inventory:template_base_library"))),
    "page: base library error report": ("export.base_library_error_report", lambda f: _page(
        "operator", reverse("inventory:base_library") + f"?batch={f['base']}&download=report")),
    "page: conversion template": ("export.conversion_template", lambda f: _page(
        "inst_bj_moe_admin", reverse("inventory:template_conversions"))),
    "page: industry concordance": ("export.industry_concordance", lambda f: _page(
        "ent_gd_admin", reverse("inventory:industries_export"))),
    "page: allocation result": ("export.allocation_result", lambda f: _page(
        "operator", reverse("accounts:allocation_download", args=["result-token"]))),
    "page: audit log": ("export.audit_log", lambda f: _page(
        "auditor", reverse("accounts:audit_export"))),
    "page: progress report": ("export.progress_report", lambda f: _report("moe_admin", "moe")),
    "API: progress report": ("export.progress_report", lambda f: _report("prov_bj_admin", "prov_bj", api=True)),
    "page: case attachment": ("export.case_attachment", lambda f: _case_attachment(
        "moe_admin", "case_bj_submitted_pdf")),
    "page: the list behind a statistic": ("export.statistics_trace", lambda f: _stat_list(
        "prov_bj_admin", "2025Q4_province_bj")),
}

# label -> (a request refused, the answer's status)
REFUSED = {
    "error report of another institution (page)": (lambda f: _page(
        "inst_gd_local_admin", reverse("inventory:upload_report", args=[f["batch"]])), 404),
    "error report of another institution (API)": (lambda f: _api(
        "inst_gd_local_admin", f"/api/v1/import-batches/{f['batch']}/report/"), 404),
    "error report of a batch that is not an inventory upload (API)": (lambda f: _api(
        "operator", f"/api/v1/import-batches/{f['base']}/report/"), 404),
    "error report of a batch with none (page)": (lambda f: _page(
        "inst_bj_moe_admin", reverse("inventory:upload_report", args=[f["clean"]])), 404),
    "uploaded file of another institution": (lambda f: _page(
        "inst_gd_local_admin", reverse("inventory:upload_file", args=[f["batch"]])), 404),
    "pre-filled sheet for a province": (lambda f: _page("prov_bj_admin", reverse("inventory:export_prefilled")), 403),
    "base library error report for an institution": (lambda f: _page(
        "inst_bj_moe_admin", reverse("inventory:base_library") + f"?batch={f['base']}&download=report"), 403),
    "reasons for an institution": (lambda f: _page("inst_bj_moe_admin", reverse("evaluation:feedback_reasons_export")),
                                   403),
    "dashboard data of another province": (lambda f: _page(
        "prov_bj_admin", reverse("reporting:dashboard_export") + "?scope=province:440000"), 404),
    "dashboard data for an enterprise": (lambda f: _page("ent_gd_admin", reverse("reporting:dashboard_export")), 403),
    "evaluation feedback for an expert": (lambda f: _page("expert", reverse("evaluation:feedback_export")), 403),
    "conversion template for an enterprise": (lambda f: _page(
        "ent_gd_admin", reverse("inventory:template_conversions")), 403),
    "allocation result of an unknown token": (lambda f: _page(
        "operator", reverse("accounts:allocation_download", args=["no-such-token"])), 404),
    "audit log for the operator": (lambda f: _page("operator", reverse("accounts:audit_export")), 403),
    "progress report of another province": (lambda f: _report("prov_gd_admin", "prov_bj"), 404),
    "progress report for an institution": (lambda f: _report("inst_bj_moe_admin", "moe"), 403),
    "progress report of another province (API)": (lambda f: _report("prov_gd_admin", "prov_bj", api=True), 404),
    "case attachment of another province": (lambda f: _case_attachment("prov_gd_admin", "case_bj_submitted_pdf"), 404),
    "list behind another province's statistic": (lambda f: _stat_list("prov_gd_admin", "2025Q4_province_bj"), 404),
    "list behind a statistic for an enterprise": (lambda f: _stat_list("ent_gd_admin", "2025Q4_national"), 403),
}


def _read(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("label", list(ROUTES))
def test_each_export_route_writes_exactly_one_event_with_its_exports_action(world, client, files, label):
    action, request = ROUTES[label]
    response = request(files)(world, client)
    assert response.status_code == 200, response
    assert "attachment" in response["Content-Disposition"] and _read(response)
    events = _exports(files)
    assert [event.action for event in events] == [action]
    assert events[0].actor is not None
    assert action in EXPORTS


def test_the_page_and_the_api_of_an_export_write_the_same_event(world, client, files):
    events = []
    for label in ("page: error report", "API: error report"):
        assert _read(ROUTES[label][1](files)(world, client))
        event = _exports(files)[-1]
        events.append((event.action, event.target_type, event.target_id, event.organization_id, event.detail))
    assert events[0] == events[1] == ("export.import_error_report", "inventory.importbatch", str(files["batch"]),
                                      world.orgs["inst_bj_moe"].pk, {})


def test_every_export_has_a_route_in_this_test():
    get_resolver().url_patterns  # noqa: B018 (imports every view, and so every module declaring an export)
    assert set(EXPORTS) == {action for action, _request in ROUTES.values()}


@pytest.mark.parametrize("label", list(REFUSED))
def test_a_refused_export_writes_no_event(world, client, files, label):
    request, status = REFUSED[label]
    response = request(files)(world, client)
    assert response.status_code == status
    _read(response)
    assert _exports(files) == []


def _export_events_written(tree: ast.AST) -> list[int]:
    """Lines of calls whose first argument is a literal audit action "export.…"."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str) and node.args[0].value.startswith("export.")]


def test_only_accounts_exports_writes_export_events():
    found = []
    for package in ("ground", "accounts", "inventory", "matching", "evaluation", "reporting", "patentnavi", "demo"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts or path == ROOT / "accounts" / "exports.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            found += [f"{path.relative_to(ROOT)}:{line}" for line in _export_events_written(tree)]
    assert not found, "export audit events written outside accounts.exports:\n" + "\n".join(found)
