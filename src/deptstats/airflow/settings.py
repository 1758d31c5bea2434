"""What `deptstats airflow up` was asked to run: the Airflow home, the folders and databases, the
executor; and the command line of one component."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import make_url

DEFAULT_BROKER = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Settings:
    home: Path
    landing: Path
    warehouse: str
    out: Path
    port: int = 8080
    host: str = "127.0.0.1"
    metadata_db: str | None = None  # SQLAlchemy URL; None: SQLite in the home folder
    parallelism: int = 4  # LocalExecutor forks this many workers at start
    executor: str = "local"  # or "celery": tasks go to Celery workers through the broker
    workers: int = 0  # Celery workers started here (other machines may run more)
    broker: str = DEFAULT_BROKER

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class Component:
    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)  # on top of the shared environment


def metadata_urls(url: str) -> tuple[str, str]:
    """Airflow's metadata database URL and its asynchronous twin. PostgreSQL goes through
    psycopg 3 (installed with deptstats) both ways: Airflow would otherwise look for asyncpg."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url, url
    sync = parsed.set(drivername="postgresql+psycopg")
    return (
        sync.render_as_string(hide_password=False),
        sync.set(drivername="postgresql+psycopg_async").render_as_string(hide_password=False),
    )
