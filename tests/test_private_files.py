"""Uploaded sheets and error reports are read only through the views that scope them, in every
setting: MEDIA_ROOT has no URL, with DEBUG on (the demo's default) as with it off.

The project's URLconf is loaded again under each DEBUG value, since a URLconf may decide what it
routes by the settings it is imported with.
"""

import importlib
import re

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import clear_url_caches, reverse

from ground import imports
from ground.imports import problems as upload_errors
from inventory.records.formats import InventoryFormat
from inventory.upload import INVENTORY

HEADERS = [column.header for column in InventoryFormat().columns]


def _sheet(patent) -> bytes:
    """A sheet with one bad row (the maturity is not a number), so that it has an error report."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    row = {"申请号": patent.application_number, "专利名称": patent.title, "盘点负责人": "王老师",
           "备注": "仅供内部", "技术成熟度": "x", "联系电话": "13800138000"}
    ws.append([row.get(header) for header in HEADERS])
    path = default_storage.path("sheet.xlsx")
    wb.save(path)
    with open(path, "rb") as handle:
        return handle.read()


def _reload_urlconf():
    import patentnavi.urls

    importlib.reload(patentnavi.urls)
    clear_url_caches()


@pytest.fixture(params=[True, False], ids=["DEBUG on", "DEBUG off"])
def debug(request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir(exist_ok=True)  # the world may have stored its files there already
    settings.DEBUG = request.param
    _reload_urlconf()
    yield request.param
    settings.DEBUG = False
    _reload_urlconf()


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_media_files_are_not_served_by_url(world, debug):
    owner = world.user("inst_bj_moe_admin")
    sheet = SimpleUploadedFile("盘点结果.xlsx", _sheet(world.patents["bj_moe_private"]))
    batch = imports.stage(INVENTORY, actor=owner, file=sheet)
    batch = imports.start_validation(INVENTORY, batch)
    assert batch.errors and upload_errors.ensure_error_report(batch, INVENTORY.batches)
    names = [batch.file.name, batch.error_report.name]
    for name in names:
        assert default_storage.exists(name), name
    # Neither name can be guessed from the batch: each has a random part.
    assert re.search(r"-[0-9a-f]{16}-errors\.xlsx$", batch.error_report.name), batch.error_report.name
    assert re.search(r"-[0-9a-f]{16}\.xlsx$", batch.file.name), batch.file.name

    clients = {"anonymous": Client()}
    for key, user in world.users.items():
        clients[key] = Client()
        clients[key].force_login(user)
    login = reverse("accounts:login")
    for who, client in clients.items():
        for name in names:
            response = client.get(f"/media/{name}")
            redirected = response.status_code == 302 and response.url.startswith(login)
            assert response.status_code == 404 or redirected, (who, name, response.status_code)

    # The owner still reads both, through the scoped views; another institution does not.
    for route in ("inventory:upload_file", "inventory:upload_report"):
        response = clients["inst_bj_moe_admin"].get(reverse(route, args=[batch.pk]))
        assert response.status_code == 200 and _body(response).startswith(b"PK"), route
        assert clients["inst_gd_local_admin"].get(reverse(route, args=[batch.pk])).status_code == 404, route
