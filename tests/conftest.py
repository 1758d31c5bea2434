"""Shared fixtures: the registry, the sample deliveries, and warehouses on SQLite and on
PostgreSQL (each test gets a database it creates and drops)."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from deptstats.core.openpyxl_import import openpyxl_without_lxml
from deptstats.core.registry import Registry, load_registry
from deptstats.sample.generate import write_sample
from deptstats.warehouse.engine import open_engine
from deptstats.warehouse.schema import ensure_schema

REPO = Path(__file__).resolve().parents[1]
# The tests write or edit the files they load just before loading them, by design: no settle
# time (here, and in the Airflow and CLI processes they start, which inherit it). Tests of the
# settle time set it themselves.
os.environ["DEPTSTATS_SETTLE_SECONDS"] = "0"
# openpyxl imported first here, with its own XML writer (test modules import it too): the
# workbooks the tests write are the bytes of the committed corpus
openpyxl_without_lxml()
PG_ADMIN_URL = os.environ.get("DEPTSTATS_TEST_PG", "postgresql+psycopg://root@127.0.0.1:5432/postgres")


def shared_file(relative: str) -> Path:
    """A file of ../shared, beside the checkout (CI lays a copy there), or $DEPTSTATS_SHARED.
    The specs there are the contract the tests check against; without them those tests skip,
    except in CI."""
    path = Path(os.environ.get("DEPTSTATS_SHARED", REPO.parent / "shared")) / relative
    if not path.is_file():
        message = f"{path} not found: set DEPTSTATS_SHARED to the shared/ folder"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def spec_figures() -> dict[str, tuple[str, str]]:
    """indicator -> (period, display) from shared/spec/reply-2024-147.md."""
    text = shared_file("spec/reply-2024-147.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\w+\.\w+) \| ([\d-]+) \| (\S+) \|$", text, flags=re.MULTILINE)
    return {code: (period, display) for code, period, display in rows}


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Path:
    """The sample deliveries, written once; copy before changing anything."""
    out = tmp_path_factory.mktemp("sample")
    write_sample(out, registry)
    return out


@pytest.fixture
def landing(sample_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the sample landing folder."""
    target = tmp_path / "landing"
    shutil.copytree(sample_dir, target)
    return target


def _postgres_available() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except psycopg.OperationalError as error:
        return str(error).strip().splitlines()[0]


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    problem = _postgres_available()
    if problem is not None:
        message = (
            f"PostgreSQL not reachable at {PG_ADMIN_URL} ({problem}); set "
            "DEPTSTATS_TEST_PG to a server URL whose user may create databases"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return PG_ADMIN_URL


def create_pg_database(admin_url: str) -> tuple[str, str]:
    import psycopg

    name = f"deptstats_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return name, admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(params=["sqlite", "postgres"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path, registry: Registry) -> Iterator[str]:
    """An empty warehouse with the schema, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'warehouse.db'}"
        ensure_schema(open_engine(url), registry)
        yield url
        return
    admin = request.getfixturevalue("postgres_admin")
    name, url = create_pg_database(admin)
    try:
        engine = open_engine(url)
        ensure_schema(engine, registry)
        yield url
        engine.dispose()
    finally:
        drop_pg_database(admin, name)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The `postgres` marker on every test that needs the server (`-m "not postgres"` runs the
    rest): those asking for postgres_admin, and the postgres half of backend-parametrised ones."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "postgres_admin" in getattr(item, "fixturenames", ()) or "postgres" in params.values():
            item.add_marker(pytest.mark.postgres)
