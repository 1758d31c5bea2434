"""The task defaults every deptstats DAG shares. Imported by the DAG files when they are parsed:
nothing heavy here."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any


def task_defaults() -> dict[str, Any]:
    """Retries cover the infrastructure (a locked or restarting database, the api-server); data
    errors and refusals raise AirflowFailException and are never retried.
    DEPTSTATS_RETRY_DELAY_SECONDS is shorter in tests that kill a worker. No task may hang the
    night: the largest file taken (200 MiB) loads in minutes."""
    return {
        "owner": "deptstats",
        "retries": 2,
        "retry_delay": timedelta(seconds=int(os.environ.get("DEPTSTATS_RETRY_DELAY_SECONDS", "120"))),
        "execution_timeout": timedelta(minutes=30),
    }
