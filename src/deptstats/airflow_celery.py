"""CeleryExecutor: tasks travel through the broker (Redis) to Celery workers, which may run on
other machines; every component shares the PostgreSQL metadata database, the warehouse and the
landing folder (shared storage).

Workers started together on one machine each get their own name, log-server port and host name
as Airflow records it (`worker_hostname`), so the UI and REST API tell them apart as they would
tell machines apart."""

from __future__ import annotations

import hashlib
import os
import socket
import sys
from typing import TYPE_CHECKING

from sqlalchemy import make_url

if TYPE_CHECKING:
    from deptstats.airflow_services import Component, Settings

WORKER_NAME = "DEPTSTATS_WORKER_NAME"


def worker_hostname() -> str:
    """`[core] hostname_callable` of the workers: the machine's name, with the worker's own
    name when several run on one machine."""
    return _named(os.environ.get(WORKER_NAME))


def _named(name: str | None) -> str:
    host = socket.getfqdn()
    return f"{name}@{host}" if name else host


def queue_name(settings: Settings) -> str:
    """One queue per Airflow home, so two deployments sharing a Redis never swap tasks."""
    digest = hashlib.sha256(str(settings.home.resolve()).encode()).hexdigest()[:10]
    return f"deptstats-{digest}"


def celery_environment(settings: Settings) -> dict[str, str]:
    if not settings.metadata_db or make_url(settings.metadata_db).get_backend_name() == "sqlite":
        raise ValueError("the Celery executor needs a PostgreSQL metadata database "
                         "(--metadata-db postgresql://user@host/airflow): workers on other "
                         "machines share it")
    from deptstats.airflow_services import metadata_urls

    backend, _ = metadata_urls(settings.metadata_db)
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": settings.broker,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + backend,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
        # a worker takes one task at a time from the queue, so idle workers get the next one
        "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue_name(settings),
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "deptstats.airflow_celery.worker_hostname",
    }


def workers(settings: Settings) -> list[Component]:
    from deptstats.airflow_services import Component

    found = []
    for number in range(1, settings.workers + 1):
        name = f"worker-{number}"
        command = [sys.executable, "-m", "airflow", "celery", "worker",
                   "--celery-hostname", _named(name),
                   "--queues", queue_name(settings)]
        found.append(Component(name, command, {
            WORKER_NAME: name,
            # the UI fetches a running task's log from its worker: one port each
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        }))
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("", 0))
        return probe.getsockname()[1]
