"""Durable framecast jobs: every paid task on a ledger, run and resumed by any worker.

    from framecast import GenerationRequest
    from framecast_jobs import Jobs

    jobs = Jobs("sqlite:///jobs.db")
    job = jobs.sync.submit(GenerationRequest(prompt="A wave", image="frame.png"),
                           provider="runway", key="wave-1")
    async with jobs.worker():          # or: framecast worker
        done = await jobs.wait(job.id)

Built on DBOS Transact (SQLite by default, PostgreSQL for many hosts). ``import
framecast_jobs`` is light; DBOS is imported when a worker or the job engine first runs.
"""

from __future__ import annotations

from ._jobs import APPLICATION_VERSION, DATABASE_VARIABLE, Jobs, SyncJobs, default_database
from ._model import ConflictError, Event, Job, JobNotFound, RetryRefused

__all__ = [
    "APPLICATION_VERSION",
    "DATABASE_VARIABLE",
    "ConflictError",
    "Event",
    "Job",
    "JobNotFound",
    "Jobs",
    "RetryRefused",
    "SyncJobs",
    "default_database",
]
