"""The lease: how a running job shows it is alive, and how a dead worker's run is told apart.

The runner claims a job with a fresh `lease_token` and stamps `heartbeat_at`; while it runs, a
thread stamps it again every lease / BEATS_PER_LEASE seconds (so a step stuck in a slow API
call keeps its lease), and the runner stamps it between steps. A running job whose heartbeat is
older than the lease (`TEAM_JOB_LEASE`, `team.models.job_lease`) was left by a worker that
died: `team.jobs.tasks` takes it up again. A stamp only lands while the token is still the
job's, so a runner whose job was taken over (it froze past its lease) learns it and stops.

django-tasks-db marks its row RUNNING when a worker picks a task and never learns that the
worker died: `task_row_abandon` closes such a row as failed, naming why.
"""

from __future__ import annotations

import logging
import threading
import uuid

from django.db import connection
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

from team.models import Job, job_lease

log = logging.getLogger(__name__)

BEATS_PER_LEASE = 5
WORKER_LOST = "team.jobs.lease.WorkerLost"


def new_token() -> str:
    return uuid.uuid4().hex


def beat(job_id: int, token: str) -> bool:
    """Stamp the heartbeat; False when the job is no longer this run's (taken over, ended)."""
    return bool(
        Job.objects.filter(pk=job_id, status=Job.RUNNING, lease_token=token).update(
            heartbeat_at=timezone.now()
        )
    )


class Heartbeat:
    """Beats for one run from a thread while the runner works (`with Heartbeat(...) as heart`).

    No thread inside a transaction (the immediate backend in tests runs the job inside the
    request's): the thread's own connection could neither see the job nor wait for the lock.
    """

    def __init__(self, job_id: int, token: str) -> None:
        self.job_id = job_id
        self.token = token
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> bool:
        if not self.lost and not beat(self.job_id, self.token):
            self.lost = True
            log.warning("job %s: its lease went to another run; this one stops", self.job_id)
        return not self.lost

    def __enter__(self) -> Heartbeat:
        if not connection.in_atomic_block:
            self._thread = threading.Thread(
                target=self._loop, name=f"job-{self.job_id}-heartbeat", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        interval = max(job_lease().total_seconds() / BEATS_PER_LEASE, 0.2)
        try:
            while not self._stop.wait(interval) and self.beat():
                pass
        except Exception:  # noqa: BLE001 - a lost beat must not kill the worker; the lease says so
            log.exception("job %s: heartbeat failed", self.job_id)
        finally:
            connection.close()  # this thread's own connection


# --- django-tasks-db rows -----------------------------------------------------------------------


def queue_in_database() -> bool:
    """Whether tasks go through django-tasks-db (a worker process that can die), not inline."""
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


def task_row_abandon(task_id: str, *, why: str) -> bool:
    """Close the RUNNING row of a run whose worker died as failed (it would stay RUNNING forever)."""
    if not task_id or not queue_in_database():
        return False
    from django_tasks_db.models import DBTaskResult, TaskResultStatus

    try:
        uuid.UUID(str(task_id))
    except ValueError:
        return False
    return bool(
        DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            return_value=None,
            exception_class_path=WORKER_LOST,
            traceback=why,
        )
    )


def running_rows(task_path: str, *, started_before) -> list:
    """django-tasks-db rows of this task marked RUNNING since before `started_before`."""
    if not queue_in_database():
        return []
    from django_tasks_db.models import DBTaskResult, TaskResultStatus

    return list(
        DBTaskResult.objects.filter(
            task_path=task_path, status=TaskResultStatus.RUNNING, started_at__lt=started_before
        )
    )


def waiting_rows(task_path: str) -> bool:
    """Whether a row of this task is queued (READY) in django-tasks-db."""
    from django_tasks_db.models import DBTaskResult, TaskResultStatus

    return DBTaskResult.objects.filter(task_path=task_path, status=TaskResultStatus.READY).exists()
