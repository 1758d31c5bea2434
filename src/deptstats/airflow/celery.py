"""CeleryExecutor: tasks travel through the broker (Redis) to Celery workers, which may run on
other machines; every component shares the PostgreSQL metadata database, the warehouse and the
landing folder (shared storage).

Workers started together on one machine each get their own name and host name as Airflow records
it (`worker_hostname`), so the UI and REST API tell them apart as they would tell machines apart.
They share one log server: the api-server asks every worker's host for a running task's log at
the one port of its own [logging] worker_log_server_port, and the workers of one machine write
to the same log folder, so the first worker serves it and the others start none."""

from __future__ import annotations

import configparser
import hashlib
import os
import socket
import sys
from pathlib import Path

from sqlalchemy import make_url

from deptstats.airflow.settings import Component, Settings, metadata_urls

WORKER_NAME = "DEPTSTATS_WORKER_NAME"
LOG_SERVER_PORT_ENV = "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"
DEFAULT_LOG_SERVER_PORT = 8793


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
        raise ValueError(
            "the Celery executor needs a PostgreSQL metadata database "
            "(--metadata-db postgresql://user@host/airflow): workers on other "
            "machines share it"
        )
    backend, _ = metadata_urls(settings.metadata_db)
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": settings.broker,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + backend,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
        # a worker takes one task at a time from the queue, so idle workers get the next one
        "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue_name(settings),
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "deptstats.airflow.celery.worker_hostname",
        # the same port for the worker that serves logs and the api-server that asks for them
        LOG_SERVER_PORT_ENV: str(log_server_port(settings.home)),
    }


def log_server_port(home: Path) -> int:
    """[logging] worker_log_server_port as Airflow will read it: the environment first, then
    the configuration file, then Airflow's default."""
    value = os.environ.get(LOG_SERVER_PORT_ENV)
    if value is None:
        config = configparser.ConfigParser(interpolation=None, strict=False)
        config.read(os.environ.get("AIRFLOW_CONFIG") or home / "airflow.cfg", encoding="utf-8")
        value = config.get("logging", "worker_log_server_port", fallback=None)
    if value is None or not value.strip():
        return DEFAULT_LOG_SERVER_PORT
    try:
        port = int(value)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise ValueError(f"[logging] worker_log_server_port is {value!r}, not a port number")
    return port


def workers(settings: Settings) -> list[Component]:
    found = []
    for number in range(1, settings.workers + 1):
        name = f"worker-{number}"
        command = [
            sys.executable,
            "-m",
            "airflow",
            "celery",
            "worker",
            "--celery-hostname",
            _named(name),
            "--queues",
            queue_name(settings),
        ]
        if number > 1:
            command.append("--skip-serve-logs")  # worker-1 serves this machine's log folder
        found.append(Component(name, command, {WORKER_NAME: name}))
    return found
