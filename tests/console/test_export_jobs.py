"""Large XLSX exports run in the worker: requested once however often the button is pressed, shown with
their state, downloaded by their requester only, audited, and removed after their time.

Through HTTP (the console), a real RQ worker run on the test Redis (`run_worker(..., burst=True)`), and
the file opened with openpyxl. `EXPORT_INLINE_MAX_ROWS` is lowered so June's three cases count as large.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import threading

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.audit.models import AuditEntry
from app.core.extensions import db
from app.core.timeutil import utcnow
from app.figures import export_jobs
from app.figures.models import ExportJob, ExportStatus
from app.notifications import queue as jobs
from tests.console.test_figures_pages import JUNE, june
from tests.console.world import login, post

XLSX = "/admin/exports/cases.xlsx?from=2026-06-01&to=2026-06-30"


@pytest.fixture
def large(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_INLINE_MAX_ROWS", 2)
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path / "exports"))
    return june(app)


def _work(app) -> int:
    return jobs.run_worker(app, threading.Event(), burst=True, logging_level="WARNING")


def _jobs(app) -> list[ExportJob]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(ExportJob).order_by(ExportJob.id)))
        db.session.expunge_all()
        return rows


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


def _job_path(resp) -> str:
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    path = resp.headers["Location"]
    assert re.search(r"/admin/exports/\d+$", path), path
    return path


def test_a_large_export_runs_once_in_the_worker_and_only_its_requester_downloads_it(app, client, large):
    ids = large
    login(client, "admin")
    # Asking for the file shows how many rows and offers the worker; nothing is exported or logged yet.
    resp = client.get(XLSX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "共 3 件" in html and "在后台生成" in html
    assert _audit(app, "export.cases") == [] and _jobs(app) == []

    # A double click: two POSTs, one job, one audit entry, one queued RQ job.
    first = _job_path(post(client, XLSX))
    assert _job_path(post(client, XLSX)) == first
    [job] = _jobs(app)
    assert job.status == ExportStatus.QUEUED and job.personal_data is False
    [entry] = _audit(app, "export.cases")
    assert entry.actor == "admin" and entry.after["job"] == job.id and entry.after["format"] == "xlsx"
    page = client.get(first).get_data(as_text=True)
    assert "排队中" in page and "下载</a>" not in page and 'http-equiv="refresh"' in page
    assert client.get(f"{first}/download").status_code == 404  # not written yet

    assert _work(app) == 1
    [job] = _jobs(app)
    assert job.status == ExportStatus.READY and job.rows == 3 and job.request_key is None
    page = client.get("/admin/exports").get_data(as_text=True)
    assert "可下载" in page and f"{first}/download" in page and 'http-equiv="refresh"' not in page

    resp = client.get(f"{first}/download")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(resp.get_data())).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header[:3] == ["编号", "类型", "状态"] and "投诉人姓名" not in header
    assert sorted(r[0] for r in rows) == sorted([ids["a1"], ids["a2"], ids["b1"]])
    [download] = _audit(app, "export.download")
    assert download.actor == "admin" and download.after["job"] == job.id and download.after["rows"] == 3

    # Asked again a moment later: the same file, no second job.
    assert _job_path(post(client, XLSX)) == first and len(_jobs(app)) == 1

    # Nobody else reaches it: another administrator, an operator below, the requester's own subtree aside.
    for other in ("admin-b", "op-a"):
        login(client, other)
        assert client.get(first).status_code == 404
        assert client.get(f"{first}/download").status_code == 404
        assert f"{first}/download" not in client.get("/admin/exports").get_data(as_text=True)
    assert len(_audit(app, "export.download")) == 1


def test_personal_data_only_for_administrators_and_an_expired_file_is_removed(app, client, large):
    login(client, "op-a")
    before = len(_audit(app, "export.cases"))
    resp = post(client, XLSX + "&personal=1")
    assert resp.status_code == 403 and "只有管理员可以导出" in resp.get_data(as_text=True)
    assert _jobs(app) == [] and len(_audit(app, "export.cases")) == before

    login(client, "admin")
    path = _job_path(post(client, XLSX + "&personal=1"))
    _work(app)
    resp = client.get(f"{path}/download")
    header = next(load_workbook(io.BytesIO(resp.get_data())).active.iter_rows(values_only=True))
    assert list(header[-2:]) == ["投诉人姓名", "投诉人电话"]
    [job] = _jobs(app)
    with app.app_context():
        stored = export_jobs.export_dir() / job.file_name
        assert stored.is_file()
        # A day later the worker's sweep removes the file; the page says so and the link is gone.
        swept = export_jobs.sweep(utcnow() + dt.timedelta(hours=25))
        db.session.commit()
    assert swept["expired"] == 1 and not stored.exists()
    assert client.get(f"{path}/download").status_code == 404
    assert "已过期删除" in client.get(path).get_data(as_text=True)
    # The same request again makes a fresh job.
    assert _job_path(post(client, XLSX + "&personal=1")) != path


def test_a_failed_export_says_so_and_may_be_asked_again(app, client, large, tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(blocked))  # the worker cannot write there
    login(client, "admin")
    path = _job_path(post(client, XLSX))
    _work(app)
    [job] = _jobs(app)
    assert job.status == ExportStatus.FAILED and job.request_key is None
    assert "失败" in client.get(path).get_data(as_text=True)
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path / "exports"))
    again = _job_path(post(client, XLSX))
    assert again != path
    _work(app)
    assert _jobs(app)[-1].status == ExportStatus.READY


def test_a_job_queued_while_redis_was_away_is_queued_again_by_the_sweep(app, client, large, monkeypatch):
    login(client, "admin")
    with monkeypatch.context() as away:
        away.setattr(export_jobs, "get_redis", lambda: (_ for _ in ()).throw(ConnectionError("down")))
        path = _job_path(post(client, XLSX))  # the request still succeeds: the row waits
    assert _work(app) == 0
    with app.app_context():
        assert export_jobs.sweep(utcnow() + dt.timedelta(minutes=2))["queued"] == 1
        db.session.commit()
    assert _work(app) == 1
    assert "可下载" in client.get(path).get_data(as_text=True)


def test_small_exports_stay_immediate(app, client):
    june(app)
    login(client, "admin")
    resp = client.get("/admin/exports/cases.xlsx", query_string=JUNE)
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    assert _jobs(app) == []


def test_a_large_csv_goes_to_the_worker_too(app, client, large):
    ids = large
    login(client, "admin")
    csv_path = XLSX.replace(".xlsx", ".csv")
    html = client.get(csv_path).get_data(as_text=True)
    assert "导出案件（CSV）" in html and "共 3 件" in html
    path = _job_path(post(client, csv_path))
    assert _work(app) == 1
    resp = client.get(f"{path}/download")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][0] == "编号" and sorted(r[0] for r in table[1:]) == sorted(
        [ids["a1"], ids["a2"], ids["b1"]]
    )
