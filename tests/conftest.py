"""Shared fixtures: the registry, the sample deliveries, and warehouses on SQLite and on
PostgreSQL (each test gets a database it creates and drops); the markers each test carries and
the pytest-xdist group it runs in (README, Testing)."""

from __future__ import annotations

import os
import shutil
import tempfile
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
# The tests' wording is English unless a test asks for a language (problems, refusals and the
# steward's message are checked in both where it matters): here, and in the processes they start.
os.environ.setdefault("DEPTSTATS_LANG", "en")
# openpyxl imported first here, with its own XML writer (test modules import it too): the
# workbooks the tests write are the bytes of the committed corpus
openpyxl_without_lxml()
PG_ADMIN_URL = os.environ.get("DEPTSTATS_TEST_PG", "postgresql+psycopg://root@127.0.0.1:5432/postgres")
# "gw0", "gw1", ... under pytest-xdist: part of every name a test process gives to what lives
# outside its temporary folder (PostgreSQL databases, Airflow's home)
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
# Tests that start Airflow's components, Chromium or Celery workers run one after another on one
# xdist worker: they share the session's live Airflow, and two at once would starve each other.
SERIAL_MARKERS = ("live", "browser", "celery")
_AIRFLOW_HOME = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Airflow imported in the test process (the task callables some tests call) keeps its home
    in a folder of this process, never ~/airflow, which every worker would share."""
    config.stash[_AIRFLOW_HOME] = tempfile.mkdtemp(prefix=f"deptstats-tests-airflow-{WORKER}-")
    os.environ["AIRFLOW_HOME"] = config.stash[_AIRFLOW_HOME]


def pytest_unconfigure(config: pytest.Config) -> None:
    if _AIRFLOW_HOME in config.stash:
        shutil.rmtree(config.stash[_AIRFLOW_HOME], ignore_errors=True)


@pytest.fixture(autouse=True)
def language_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """`deptstats --lang` sets DEPTSTATS_LANG for its own process, which is the test's when a test
    calls cli.main: put back after every test, so that no later test on the worker reads another
    language than the one it was given."""
    monkeypatch.setenv("DEPTSTATS_LANG", os.environ["DEPTSTATS_LANG"])


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


def pg_database_name() -> str:
    """Unique to the test that asks: the xdist worker and a random part."""
    return f"deptstats_test_{WORKER}_{uuid.uuid4().hex[:12]}"


def create_pg_database(admin_url: str) -> tuple[str, str]:
    import psycopg

    name = pg_database_name()
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


# before pytest-xdist, which reads the xdist_group marks in this hook
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The `postgres` marker on every test that needs the server (`-m "not postgres"` runs the
    rest): those asking for postgres_admin, and the postgres half of backend-parametrised ones.
    The xdist group of each test (`--dist loadgroup`): the live and browser tests together in
    "serial", the Celery tests in "celery"; the tests sharing a module-scoped fixture together,
    so that it is made once and they run in order, as without xdist; every other test alone."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "postgres_admin" in getattr(item, "fixturenames", ()) or "postgres" in params.values():
            item.add_marker(pytest.mark.postgres)
        if item.get_closest_marker("celery"):
            # its own deployment (two Celery workers): beside the serial group, on the other
            # worker, which the rest of the suite leaves idle for as long
            item.add_marker(pytest.mark.xdist_group("celery"))
        elif any(item.get_closest_marker(name) for name in SERIAL_MARKERS):
            item.add_marker(pytest.mark.xdist_group("serial"))
        elif shared := module_fixtures(item):
            item.add_marker(pytest.mark.xdist_group(f"{item.module.__name__}:{shared}"))


def module_fixtures(item: pytest.Item) -> str:
    """The module-scoped fixtures a test uses, with their parameters ("" if none)."""
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    params = getattr(getattr(item, "callspec", None), "params", {})
    used = sorted(name for name, defs in definitions.items() if defs and defs[-1].scope == "module")
    return ",".join(f"{name}={params[name]}" if name in params else name for name in used)


# before pytest-xdist sends the collected test ids to the controller
@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Under `--dist loadgroup`, each grouped test id ends in "@<group>", which is how the
    controller learns the groups. pytest-xdist 3.8 writes that suffix where pytest 9.2 no longer
    reads it (pytest-xdist issue 1386), so every test would run alone; it is written here
    instead, once, wherever the suffix is still missing."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    for item in session.items:
        groups = {
            str(m.args[0] if m.args else m.kwargs.get("name", "default"))
            for m in item.iter_markers("xdist_group")
        }
        suffix = "@" + "_".join(sorted(groups))
        if groups and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
            item._id = type(item._id).parse(item.nodeid + suffix)
