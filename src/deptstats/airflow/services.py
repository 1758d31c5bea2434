"""`deptstats airflow up`: the real Airflow components (api-server, scheduler, dag-processor,
triggerer) as the nightly job and the stewards use them, started together, stopped together.

Each component runs in its own process group, so stopping one also stops what it forked (the
LocalExecutor's workers, a task's supervisor). Output goes to <home>/logs/components/."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from deptstats.airflow.celery import celery_environment, log_server_port, workers
from deptstats.airflow.local import airflow_environment
from deptstats.airflow.logins import (
    APPROVERS,
    AUTH_MANAGER,
    SIGNOFF_LOGIN,
    Logins,
    all_users,
    ensure_logins,
    jwt_secret,
)
from deptstats.airflow.settings import Component, Settings, metadata_urls
from deptstats.airflow.signoff_settings import API_CONN_ID, APPROVERS_SETTING, approvers_setting
from deptstats.core import Registry, non_negative_setting

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
# Airflow's log server listens on every address (it takes no host) and dies alone on a port
# clash. The scheduler's and triggerer's run beside the api-server, which reads their log
# files from the shared log folder, so they are not started at all.
WITHOUT_LOG_SERVER = ("scheduler", "triggerer")
HEALTH_PATH = "/api/v2/monitor/health"


def services_environment(
    settings: Settings, logins: Logins, user_ids: dict[str, int] | None = None
) -> dict[str, str]:
    """The components' environment; the approvers (by FAB user id) once `user_ids` are known."""
    env = airflow_environment(settings.home, settings.landing, settings.warehouse, settings.out)
    env.update(
        {
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(settings.parallelism),
            "AIRFLOW__API_AUTH__JWT_SECRET": jwt_secret(settings.home),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{settings.url}/execution/",
            "AIRFLOW__API__BASE_URL": settings.url,
            "AIRFLOW__CORE__AUTH_MANAGER": AUTH_MANAGER,
            # plugins load when the api-server starts, so a broken plugin shows at once
            "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": "False",
            # the sign-off: the login its tasks call the API with (its approvers below)
            f"AIRFLOW_CONN_{API_CONN_ID.upper()}": json.dumps(
                {
                    "conn_type": "http",
                    "login": SIGNOFF_LOGIN,
                    "password": logins.passwords[SIGNOFF_LOGIN],
                    "extra": {"base_url": settings.url},
                }
            ),
        }
    )
    if user_ids is not None:
        env[APPROVERS_SETTING] = approvers_setting(list(APPROVERS), user_ids)
    if settings.metadata_db:
        sync, asynchronous = metadata_urls(settings.metadata_db)
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = sync
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"] = asynchronous
    if settings.executor == "celery":
        env.update(celery_environment(settings))
    return env


def components(settings: Settings) -> list[Component]:
    found = []
    for name in COMPONENTS:
        command = [sys.executable, "-m", "airflow", name]
        if name == "api-server":
            command += ["--host", settings.host, "--port", str(settings.port)]
        if name in WITHOUT_LOG_SERVER:
            command.append("--skip-serve-logs")
        found.append(Component(name, command))
    if settings.executor == "celery":
        found += workers(settings)
    return found


@dataclass
class Services:
    """The running components of one Airflow home."""

    settings: Settings
    env: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def log_dir(self) -> Path:
        return self.settings.home / "logs" / "components"

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for component in components(self.settings):
            log = (self.log_dir / f"{component.name}.log").open("ab")
            self.processes[component.name] = subprocess.Popen(
                component.command,
                env=self.env | component.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            log.close()

    def exited(self, essential: bool = True) -> dict[str, int]:
        """Components that have ended (`essential`: only those the others cannot do without;
        a Celery worker is not one: the others go on, as they would when a worker machine is
        lost)."""
        return {
            name: p.returncode
            for name, p in self.processes.items()
            if p.poll() is not None and (not essential or name in COMPONENTS)
        }

    def health(self) -> dict[str, str]:
        """Component -> status as the api-server reports it; {} while it is not answering."""
        try:
            with urllib.request.urlopen(self.settings.url + HEALTH_PATH, timeout=5) as response:
                body = json.load(response)
        except (urllib.error.URLError, OSError, ValueError):
            return {}
        return {name: (part or {}).get("status") or "unknown" for name, part in body.items()}

    def wait_healthy(
        self, timeout: float | None = None, cancelled: Callable[[], bool] = lambda: False
    ) -> bool:
        """True once every component reports healthy; False if `cancelled()` came first. A
        component that exits ends the wait at once; a busy machine may take minutes to start
        them all ($DEPTSTATS_START_TIMEOUT_SECONDS, default 600)."""
        if timeout is None:
            timeout = non_negative_setting("DEPTSTATS_START_TIMEOUT_SECONDS", 600)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cancelled():
                return False
            if self.exited():
                raise RuntimeError(self.exit_report())
            status = self.health()
            if status and all(value == "healthy" for value in status.values()):
                return True
            time.sleep(1)
        raise RuntimeError(
            f"not healthy after {timeout:.0f} s (DEPTSTATS_START_TIMEOUT_SECONDS): "
            f"{self.health() or 'no answer'}; logs in {self.log_dir}"
        )

    def exit_report(self) -> str:
        lines = []
        for name, code in self.exited(essential=False).items():
            tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
            lines.append(f"airflow {name} exited with code {code}; end of its log:\n{tail}")
        return "\n".join(lines)

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM every component's process group, then SIGKILL what is left after `grace`."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(max(0.1, deadline - time.monotonic()))
        for process in self.processes.values():
            _signal_group(process, signal.SIGKILL)
            process.wait()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def migrate(settings: Settings, env: dict[str, str], registry: Registry) -> None:
    """Airflow's metadata database and the warehouse schema, both to their newest revision."""
    result = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    from deptstats.warehouse import open_engine, upgrade

    upgrade(open_engine(settings.warehouse), registry)


def create_logins(env: dict[str, str], logins: Logins) -> dict[str, int]:
    """The roles and users in Airflow's metadata database (`deptstats airflow logins`, in a
    child process with the components' environment; the passwords go by file): login -> id."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "deptstats.cli",
            "airflow",
            "logins",
            "--passwords",
            str(logins.passwords_file),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"deptstats airflow logins failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return {login: int(i) for login, i in json.loads(result.stdout.strip().splitlines()[-1])["ids"].items()}


def prepare(settings: Settings, registry: Registry) -> tuple[Logins, dict[str, str]]:
    """Folders, logins, sample deliveries where the landing folder is missing, migrations, the
    FAB roles and users."""
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.out.mkdir(parents=True, exist_ok=True)
    if not settings.landing.exists():
        from deptstats.sample import write_sample

        write_sample(settings.landing, registry)
        print(f"landing folder {settings.landing}: wrote the sample deliveries")
    logins = ensure_logins(settings.home, [department.code for department in registry.departments])
    env = services_environment(settings, logins)
    migrate(settings, env, registry)
    ids = create_logins(env, logins)
    return logins, services_environment(settings, logins, ids)


def describe(settings: Settings, logins: Logins) -> str:
    from deptstats.warehouse import redact

    lines = [f"Airflow UI: {settings.url}/ (sign in at {settings.url}/auth/login/)", "logins (FAB):"]
    roles = {
        "admin": "Admin",
        "steward": "steward: like Op, may clear tasks and read logs",
        "analyst": "analyst: reads (Viewer)",
        "approver": "approver: answers the sign-off (签发/退回) in Required Actions",
        "signoff": "signoff: the sign-off DAG's own login (ends superseded approvals)",
    }
    for user in all_users(()) | {u: u for u in logins.passwords if u not in roles}:
        password = logins.passwords[user] if user in logins.created else "(unchanged)"
        role = roles.get(user, f"{user}: its department's files only, no DAG")
        lines.append(f"  {user:22} {password:18} {role}")
    lines += [
        f"passwords file: {logins.passwords_file}",
        f"landing folder: {settings.landing}",
        f"warehouse:      {redact(settings.warehouse)}",
        f"out:            {settings.out}",
        f"component logs: {settings.home / 'logs' / 'components'}",
        *(
            [f"executor:       Celery, {settings.workers} worker(s) here, broker {redact(settings.broker)}"]
            if settings.executor == "celery"
            else []
        ),
        "Ctrl-C stops every component.",
    ]
    return "\n".join(lines)


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def port_in_use_anywhere(port: int) -> bool:
    """Whether a server binding every address, IPv4 and IPv6 (as Airflow's log server does),
    would find the port taken on one of them. A machine without IPv6 has no IPv6 to clash on."""
    for family, address in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        try:
            with socket.socket(family) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                probe.bind((address, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return True
    return False


def port_clash(settings: Settings) -> str | None:
    """One line saying which port a component would fail to listen on, or None."""
    if port_in_use(settings.host, settings.port):
        # the health check would otherwise be answered by whatever holds the port
        return f"{settings.host}:{settings.port} is in use: choose another --port"
    if settings.executor == "celery" and settings.workers > 0:
        port = log_server_port(settings.home)
        if port_in_use_anywhere(port):
            return (
                f"port {port} is in use, and the Celery workers' log server listens on it "
                f"on every address: free it or set [logging] worker_log_server_port "
                f"(AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT) to a free port"
            )
    return None


def up(settings: Settings, registry: Registry) -> int:
    """Start the components, print the URL and logins, run until SIGINT or SIGTERM."""
    try:
        clash = port_clash(settings)
    except ValueError as failure:
        clash = str(failure)
    if clash:
        print(clash, file=sys.stderr)
        return 1
    try:
        logins, env = prepare(settings, registry)
    except (RuntimeError, ValueError) as failure:
        print(failure, file=sys.stderr)
        return 1
    services = Services(settings, env)
    stopping: list[int] = []

    def request_stop(signum: int, _frame: object) -> None:
        stopping.append(signum)

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        services.start()
        if services.wait_healthy(cancelled=lambda: bool(stopping)):
            print(describe(settings, logins), flush=True)
        reported: set[str] = set()
        while not stopping:
            if services.exited():
                print(services.exit_report(), file=sys.stderr)
                return 1
            for name, code in services.exited(essential=False).items():
                if name not in reported:
                    reported.add(name)
                    print(
                        f"{name} exited with code {code}; the other components go on",
                        file=sys.stderr,
                        flush=True,
                    )
            time.sleep(0.5)
        print("stopping every component", flush=True)
        return 0
    except RuntimeError as failure:
        print(failure, file=sys.stderr)
        return 1
    finally:
        services.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
