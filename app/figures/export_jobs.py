"""Large case exports written by the worker, so no request waits for a big XLSX.

    job, new = export_jobs.request(user_id, station, first, last, "xlsx", personal_data=False)
    db.session.commit(); export_jobs.enqueue(job.id) if new else None   # after the commit
    ... the worker runs `run(job_id)` (an RQ job on the outbox queue) ...
    export_jobs.path_of(job)                                            # once READY

States: QUEUED (排队中) → RUNNING (生成中) → READY (可下载) or FAILED (失败); a READY file is removed after
`EXPORT_KEEP_HOURS` (EXPIRED). The same request by the same person while its job is queued or running, or
ready for less than `REUSE_SECONDS`, finds that job: a double click never starts a second one
(`request_key`, unique while the job is queued or running, settles two requests arriving together). The
RQ job id is `export-<id>`, so queuing a job twice runs it once, and `run` claims the row before working,
so two runs of one job write one file. `sweep` (the worker, every minute) removes expired files, queues
again a job that Redis never received, and fails a job whose worker died.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from rq import Queue
from rq.exceptions import DuplicateJobError

from app.complaints.models import Complaint
from app.core.extensions import db
from app.core.redis_client import get_redis
from app.core.timeutil import utcnow
from app.directory.models import Station
from app.figures import export, kpis
from app.figures.models import ExportJob, ExportStatus
from app.notifications import queue

log = logging.getLogger(__name__)

C = Complaint.__table__
JOB_TIMEOUT = 3600  # seconds; a million rows take a few minutes
REUSE_SECONDS = 600  # a finished file answers the same request for ten minutes
REQUEUE_AFTER = dt.timedelta(minutes=1)  # queued this long without starting: Redis lost it, queue again
WAITING = (ExportStatus.QUEUED, ExportStatus.RUNNING)


def export_dir() -> Path:
    path = Path(current_app.config.get("EXPORT_DIR") or Path(current_app.instance_path) / "exports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def count(scope: kpis.Scope, *, at_most: int | None = None) -> int:
    """How many rows the export of `scope` holds (cases filed in the period, in the subtree); with
    `at_most`, counting stops there (enough to tell small from large without counting millions)."""
    rows = sa.select(C.c.id).where(C.c.created_at >= scope.start, C.c.created_at < scope.end)
    if scope.station_ids is not None:
        rows = rows.where(C.c.station_id.in_(scope.station_ids))
    if at_most is not None:
        rows = rows.limit(at_most)
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(rows.subquery())))


def is_large(scope: kpis.Scope) -> bool:
    limit = int(current_app.config.get("EXPORT_INLINE_MAX_ROWS", 5000))
    return count(scope, at_most=limit + 1) > limit


def _key(user_id: int, station_id: int, first: dt.date, last: dt.date, fmt: str, personal: bool) -> str:
    raw = f"{user_id}|{station_id}|{first.isoformat()}|{last.isoformat()}|{fmt}|{int(personal)}"
    return hashlib.sha256(raw.encode()).hexdigest()


def request(
    user_id: int,
    station: Station,
    first: dt.date,
    last: dt.date,
    fmt: str,
    *,
    personal_data: bool,
    now: dt.datetime | None = None,
) -> tuple[ExportJob, bool]:
    """The job for this request: an existing one (waiting, or ready a moment ago) or a new one, and
    whether it is new. The caller commits, then queues a new one (`enqueue`)."""
    export.check_format(fmt)
    now = now or utcnow()
    key = _key(user_id, station.id, first, last, fmt, personal_data)
    same = sa.and_(
        ExportJob.requested_by == user_id,
        ExportJob.station_id == station.id,
        ExportJob.first_day == first,
        ExportJob.last_day == last,
        ExportJob.fmt == fmt,
        ExportJob.personal_data.is_(personal_data),
    )
    found = db.session.scalar(
        sa.select(ExportJob)
        .where(
            same,
            sa.or_(
                ExportJob.request_key == key,
                sa.and_(
                    ExportJob.status == ExportStatus.READY,
                    ExportJob.finished_at >= now - dt.timedelta(seconds=REUSE_SECONDS),
                ),
            ),
        )
        .order_by(ExportJob.id.desc())
        .limit(1)
    )
    if found is not None:
        return found, False
    job = ExportJob(
        request_key=key,
        requested_by=user_id,
        station_id=station.id,
        first_day=first,
        last_day=last,
        fmt=fmt,
        personal_data=personal_data,
        status=ExportStatus.QUEUED,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except sa.exc.IntegrityError:  # the same request arrived at the same moment and won
        return db.session.scalar(sa.select(ExportJob).where(ExportJob.request_key == key)), False
    return job, True


def job_id(export_id: int) -> str:
    return f"export-{export_id}"


def enqueue(export_id: int) -> bool:
    """Queue the worker's job for an export (after the commit that wrote it). False when Redis is away
    (the sweep queues it later) or the job is already waiting."""
    try:
        Queue(queue.QUEUE_NAME, connection=get_redis()).enqueue_call(
            run,
            args=(int(export_id),),
            job_id=job_id(export_id),
            unique=True,
            timeout=JOB_TIMEOUT,
            result_ttl=0,
            failure_ttl=queue.FAILURE_TTL,
            description=f"case export {export_id}",
        )
    except DuplicateJobError:
        return False
    except Exception as exc:  # Redis away: the row stays QUEUED and `sweep` queues it again
        log.warning("export %s not queued (%s); the worker's sweep will queue it", export_id, exc)
        return False
    return True


def run(export_id: int) -> str:
    """RQ job: write the export's file. Idempotent: only a QUEUED row is claimed."""
    with queue.job_app().app_context():
        return _run(int(export_id))


def _run(export_id: int) -> str:
    claimed = db.session.execute(
        sa.update(ExportJob)
        .where(ExportJob.id == export_id, ExportJob.status == ExportStatus.QUEUED)
        .values(status=ExportStatus.RUNNING, started_at=utcnow())
    ).rowcount
    db.session.commit()
    if not claimed:
        return "skipped"
    job = db.session.get(ExportJob, export_id)
    partial = None
    try:
        final = export_dir() / f"{job.id}-{secrets.token_hex(8)}.{job.fmt}"  # not guessable from the id
        partial = final.with_suffix(".part")
        station = db.session.get(Station, job.station_id)
        scope = kpis.make_scope(job.first_day, job.last_day, station.name)
        with partial.open("wb") as handle:
            if job.fmt == "xlsx":
                rows = export.write_xlsx(scope, handle, personal_data=job.personal_data)
            else:
                rows = -1
                for line in export.csv_lines(scope, personal_data=job.personal_data):
                    handle.write(line.encode("utf-8"))
                    rows += 1
        partial.replace(final)
    except Exception:
        db.session.rollback()
        if partial is not None:
            partial.unlink(missing_ok=True)
        log.exception("export %s failed", export_id)
        _finish(export_id, ExportStatus.FAILED)
        return "failed"
    now = utcnow()
    hours = int(current_app.config.get("EXPORT_KEEP_HOURS", 24))
    _finish(
        export_id,
        ExportStatus.READY,
        rows=rows,
        file_name=final.name,
        expires_at=now + dt.timedelta(hours=hours),
    )
    return "ready"


def _finish(export_id: int, status: ExportStatus, **values) -> None:
    db.session.execute(
        sa.update(ExportJob)
        .where(ExportJob.id == export_id)
        .values(status=status, finished_at=utcnow(), request_key=None, **values)
    )
    db.session.commit()


def path_of(job: ExportJob) -> Path | None:
    """The ready file of a job, or None (not ready, expired, or removed)."""
    if job.status != ExportStatus.READY or not job.file_name:
        return None
    path = export_dir() / job.file_name
    return path if path.is_file() else None


def of_user(user_id: int, limit: int = 50) -> list[ExportJob]:
    return list(
        db.session.scalars(
            sa.select(ExportJob)
            .where(ExportJob.requested_by == user_id)
            .order_by(ExportJob.id.desc())
            .limit(limit)
        )
    )


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Worker job: remove expired files, queue again jobs Redis never received, fail jobs whose worker
    died (running longer than the job time-out). The caller commits."""
    now = now or utcnow()
    done = {"expired": 0, "queued": 0, "failed": 0}
    for job in db.session.scalars(
        sa.select(ExportJob).where(ExportJob.status == ExportStatus.READY, ExportJob.expires_at <= now)
    ):
        if job.file_name:
            (export_dir() / job.file_name).unlink(missing_ok=True)
        job.status, job.file_name = ExportStatus.EXPIRED, None
        done["expired"] += 1
    stuck = now - dt.timedelta(seconds=JOB_TIMEOUT + 60)
    for job in db.session.scalars(
        sa.select(ExportJob).where(ExportJob.status == ExportStatus.RUNNING, ExportJob.started_at < stuck)
    ):
        job.status, job.request_key, job.finished_at = ExportStatus.FAILED, None, now
        done["failed"] += 1
    waiting = db.session.scalars(
        sa.select(ExportJob.id).where(
            ExportJob.status == ExportStatus.QUEUED, ExportJob.created_at < now - REQUEUE_AFTER
        )
    ).all()
    done["queued"] = sum(enqueue(export_id) for export_id in waiting)
    return done
