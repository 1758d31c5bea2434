"""`deptstats airflow up` without starting Airflow: where database and broker passwords may come
from (never the command line), the command lines built for the components (no password, no
stray log servers) and the plain refusal when the workers' log-server port is taken."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from deptstats.airflow import services as airflow_services
from deptstats.airflow.celery import log_server_port
from deptstats.airflow.services import Services, Settings, components, migrate, up
from deptstats.cli import main
from deptstats.core.secret_urls import WAREHOUSE, has_password, resolve_url

SECRET = "s3cret-Pw"
PG_WITH_PASSWORD = f"postgresql://deptstats:{SECRET}@127.0.0.1:5432/warehouse"
METADATA_WITH_PASSWORD = f"postgresql://airflow:{SECRET}@127.0.0.1:5432/airflow"
BROKER_WITH_PASSWORD = f"redis://:{SECRET}@127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (PG_WITH_PASSWORD, True),
        (BROKER_WITH_PASSWORD, True),
        ("postgresql://deptstats@127.0.0.1/warehouse?password=x", True),
        ("postgresql://deptstats@127.0.0.1/warehouse", False),
        ("postgresql://deptstats:@127.0.0.1/warehouse", False),
        ("redis://127.0.0.1:6379/0", False),
        ("warehouse.db", False),
        ("sqlite:////tmp/warehouse.db", False),
    ],
)
def test_a_password_is_found_where_a_url_can_carry_one(url, expected):
    assert has_password(url) is expected


def test_the_url_comes_from_the_option_the_file_or_the_environment(tmp_path):
    env = {"DEPTSTATS_WAREHOUSE": "postgresql://from-env@h/w"}
    assert resolve_url(WAREHOUSE, "postgresql://u@h/w", None, env) == "postgresql://u@h/w"
    held = tmp_path / "warehouse.url"
    held.write_text(f"  {PG_WITH_PASSWORD}\n", encoding="utf-8")
    assert resolve_url(WAREHOUSE, None, str(held), env) == PG_WITH_PASSWORD
    assert resolve_url(WAREHOUSE, None, None, env) == "postgresql://from-env@h/w"
    assert resolve_url(WAREHOUSE, None, None, {}) is None
    with pytest.raises(ValueError, match="give --warehouse or --warehouse-file, not both"):
        resolve_url(WAREHOUSE, "postgresql://u@h/w", str(held), env)
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ValueError, match="is empty"):
        resolve_url(WAREHOUSE, None, str(tmp_path / "empty"), env)


@pytest.fixture
def started_with(monkeypatch) -> list[Settings]:
    """What `deptstats airflow up` would start with; Airflow itself is never started."""
    seen: list[Settings] = []
    monkeypatch.setattr(airflow_services, "up", lambda settings, registry: seen.append(settings) or 0)
    for name in ("DEPTSTATS_WAREHOUSE", "DEPTSTATS_METADATA_DB", "DEPTSTATS_BROKER"):
        monkeypatch.delenv(name, raising=False)
    return seen


@pytest.mark.parametrize(
    ("option", "url", "told"),
    [
        ("--warehouse", PG_WITH_PASSWORD, "$DEPTSTATS_WAREHOUSE"),
        ("--metadata-db", METADATA_WITH_PASSWORD, "$DEPTSTATS_METADATA_DB"),
        ("--broker", BROKER_WITH_PASSWORD, "$DEPTSTATS_BROKER"),
    ],
)
def test_a_password_on_the_command_line_is_refused(tmp_path, capsys, started_with, option, url, told):
    with pytest.raises(SystemExit) as refused:
        main(["airflow", "up", "--home", str(tmp_path), option, url])
    message = str(refused.value.code)
    assert message.startswith(f"deptstats airflow up: {option} carries a password")
    assert told in message and f"{option}-file" in message and SECRET not in message
    assert started_with == []


@pytest.mark.parametrize(
    "command",
    [["figures"], ["load", "--landing", "."], ["db", "upgrade"], ["problems"], ["draft", "--out", "x"]],
)
def test_every_command_refuses_a_warehouse_password_on_its_command_line(command):
    with pytest.raises(SystemExit) as refused:
        main([*command, "--warehouse", PG_WITH_PASSWORD])
    message = str(refused.value.code)
    assert message.startswith(f"deptstats {command[0]}: --warehouse carries a password")
    assert "$DEPTSTATS_WAREHOUSE" in message and SECRET not in message


def test_every_command_takes_the_warehouse_from_a_file(tmp_path, capsys):
    held = tmp_path / "warehouse.url"
    held.write_text(f"sqlite:///{tmp_path / 'held.db'}\n", encoding="utf-8")
    assert main(["db", "upgrade", "--warehouse-file", str(held)]) == 0
    assert (tmp_path / "held.db").is_file()
    assert "held.db" in capsys.readouterr().out


def test_passwords_come_from_the_environment_and_files(tmp_path, monkeypatch, started_with):
    held = tmp_path / "warehouse.url"
    held.write_text(PG_WITH_PASSWORD + "\n", encoding="utf-8")
    monkeypatch.setenv("DEPTSTATS_METADATA_DB", METADATA_WITH_PASSWORD)
    monkeypatch.setenv("DEPTSTATS_BROKER", BROKER_WITH_PASSWORD)
    assert (
        main(
            ["airflow", "up", "--home", str(tmp_path), "--warehouse-file", str(held), "--executor", "celery"]
        )
        == 0
    )
    settings = started_with[0]
    assert settings.warehouse == PG_WITH_PASSWORD.replace("postgresql:", "postgresql+psycopg:")
    assert settings.metadata_db == METADATA_WITH_PASSWORD
    assert settings.broker == BROKER_WITH_PASSWORD


def test_a_url_without_password_is_taken_from_the_command_line(tmp_path, started_with):
    assert (
        main(
            [
                "airflow",
                "up",
                "--home",
                str(tmp_path),
                "--metadata-db",
                "postgresql://airflow@127.0.0.1/airflow",
            ]
        )
        == 0
    )
    assert started_with[0].metadata_db == "postgresql://airflow@127.0.0.1/airflow"
    assert started_with[0].broker == "redis://127.0.0.1:6379/0"
    assert started_with[0].warehouse == f"sqlite:///{tmp_path.resolve() / 'warehouse.db'}"


def _celery(tmp_path: Path, workers: int = 2, port: int = 8080) -> Settings:
    return Settings(
        home=tmp_path / "home",
        landing=tmp_path / "landing",
        warehouse=PG_WITH_PASSWORD,
        out=tmp_path / "out",
        port=port,
        metadata_db=METADATA_WITH_PASSWORD,
        executor="celery",
        workers=workers,
        broker=BROKER_WITH_PASSWORD,
    )


def test_no_component_command_line_carries_a_password(tmp_path, monkeypatch, registry):
    """Every command `airflow up` runs, recorded instead of run: the passwords travel in the
    components' environment (which only their own user can read), never on a command line."""
    monkeypatch.delenv("AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT", raising=False)
    ran: list[tuple[list[str], dict[str, str]]] = []

    class Recorded:
        def __init__(self, command, env, **_options):
            ran.append((list(command), dict(env)))

    def recorded_run(command, env, **_options):
        ran.append((list(command), dict(env)))
        return subprocess.CompletedProcess(command, 0, '{"ids": {"approver": 4}}\n', "")

    monkeypatch.setattr(airflow_services.subprocess, "Popen", Recorded)
    monkeypatch.setattr(airflow_services.subprocess, "run", recorded_run)
    monkeypatch.setattr("deptstats.warehouse.schema.upgrade", lambda engine, registry: None)
    settings = _celery(tmp_path)
    settings.home.mkdir()
    logins = airflow_services.ensure_logins(settings.home, ["health"])
    env = airflow_services.services_environment(settings, logins)
    migrate(settings, env, registry)
    # the UI's passwords go to FAB by file
    assert airflow_services.create_logins(env, logins) == {"approver": 4}
    assert ran[-1][0][-4:] == ["airflow", "logins", "--passwords", str(logins.passwords_file)]
    Services(settings, env).start()
    names = [command[3] if command[3] != "celery" else "worker" for command, _ in ran]
    assert names == [
        "db",
        "airflow",
        "api-server",
        "scheduler",
        "dag-processor",
        "triggerer",
        "worker",
        "worker",
    ]
    assert not any(
        password in " ".join(command) for command, _ in ran for password in logins.passwords.values()
    )
    for command, component_env in ran:
        assert not any(SECRET in part for part in command), command
        assert SECRET in component_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert SECRET in component_env["AIRFLOW_CONN_DEPTSTATS_WAREHOUSE"]
        assert SECRET in component_env["AIRFLOW__CELERY__BROKER_URL"]
        # the api-server asks the workers for logs at the port the serving worker listens on
        assert component_env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] == "8793"
    worker_1, worker_2 = (command for command, _ in ran[-2:])
    assert "--skip-serve-logs" not in worker_1 and "--skip-serve-logs" in worker_2


def test_scheduler_and_triggerer_start_no_log_server(tmp_path):
    settings = Settings(home=tmp_path, landing=tmp_path, warehouse="sqlite:///w.db", out=tmp_path)
    commands = {component.name: component.command for component in components(settings)}
    assert "--skip-serve-logs" in commands["scheduler"]
    assert "--skip-serve-logs" in commands["triggerer"]
    assert commands["api-server"][-4:] == ["--host", "127.0.0.1", "--port", "8080"]
    celery = {c.name: c.command for c in components(_celery(tmp_path))}
    assert "--skip-serve-logs" in celery["scheduler"] and "--skip-serve-logs" in celery["triggerer"]


def test_the_log_server_port_is_read_as_airflow_reads_it(tmp_path, monkeypatch):
    monkeypatch.delenv("AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT", raising=False)
    monkeypatch.delenv("AIRFLOW_CONFIG", raising=False)
    assert log_server_port(tmp_path) == 8793
    (tmp_path / "airflow.cfg").write_text(
        "[logging]\nlog_format = %(asctime)s\nworker_log_server_port = 9001\n"
    )
    assert log_server_port(tmp_path) == 9001
    monkeypatch.setenv("AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT", "9002")
    assert log_server_port(tmp_path) == 9002
    monkeypatch.setenv("AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT", "port")
    with pytest.raises(ValueError, match="worker_log_server_port is 'port', not a port number"):
        log_server_port(tmp_path)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6])
def test_a_taken_log_server_port_is_one_plain_line(tmp_path, monkeypatch, capsys, family, registry):
    """Airflow's log server would die alone, leaving the worker running: `airflow up` refuses
    before it starts anything."""
    loopback = "127.0.0.1" if family == socket.AF_INET else "::1"
    with socket.socket(family) as held:
        try:
            held.bind((loopback, 0))
        except OSError:
            pytest.skip(f"no {loopback} on this machine")
        held.listen()
        port = held.getsockname()[1]
        monkeypatch.setenv("AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT", str(port))
        monkeypatch.setattr(airflow_services, "prepare", _never)
        assert up(_celery(tmp_path, workers=1, port=_free_port()), registry) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"port {port} is in use, and the Celery workers' log server listens on it on every "
        f"address: free it or set [logging] worker_log_server_port "
        f"(AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT) to a free port"
    ]


def test_a_free_log_server_port_lets_the_start_go_on(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT", str(_free_port()))
    assert airflow_services.port_clash(_celery(tmp_path, workers=1, port=_free_port())) is None
    # no worker started here: nothing listens for logs, nothing to check
    with socket.socket() as held:
        held.bind(("0.0.0.0", 0))
        held.listen()
        monkeypatch.setenv("AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT", str(held.getsockname()[1]))
        assert airflow_services.port_clash(_celery(tmp_path, workers=0, port=_free_port())) is None


def _never(_settings, _registry):
    raise AssertionError("airflow up went on to prepare the components")
