"""Lifecycle jobs run in the background: control, the runner, the steps, the lease.

    job = offboard_job_create(...)              # team.offboarding: a Job with every step, planned
    job_start(job, user=request.user)           # queued now, or scheduled for job.run_after
    job_retry(job, user=...)                    # failed / unknown / held-back steps again
    job_cancel(job, user=...)                   # before it starts (a dated job until its time)
    job_resume(job, user=...)                   # at once, a job whose worker died (a worker does it too)

The worker (`manage.py db_worker`) runs `run_job(job_id)` (`tasks`), which calls the runner
(`runner.job_run`): it claims the job with a lease and a heartbeat (`lease`), then runs the open
steps in order (`steps`), each read back when its answer was lost. `watch_jobs` takes up the
jobs of workers that died.
"""

from team.jobs.control import job_cancel, job_resume, job_retry, job_start, new_job
from team.jobs.runner import audit_handed_over, job_run
from team.jobs.tasks import jobs_reclaim, run_job, watch_jobs, watch_next

__all__ = [
    "audit_handed_over",
    "job_cancel",
    "job_resume",
    "job_retry",
    "job_run",
    "job_start",
    "jobs_reclaim",
    "new_job",
    "run_job",
    "watch_jobs",
    "watch_next",
]
