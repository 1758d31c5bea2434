"""Airflow as its users run it: `deptstats airflow up` on free ports, for the whole session.

The landing folder is the sample with one bad row in the health extract. Unpausing the DAG makes
the real scheduler create the nightly run of the last 01:30 (catchup is off): that run is the
first nightly of the tests, and it must fail on that file alone. The deployment sends its
notices to the sample contacts through a local SMTP server (aiosmtpd) started with it, whose
inbox the tests read."""

from __future__ import annotations

import base64
import contextlib
import email
import json
import os
import queue
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from deptstats.airflow.logins import AUTH_MANAGER, PASSWORDS_FILE
from deptstats.core import Registry
from deptstats.sample import write_sample_contacts
from tests.helpers import smtp_connection
from tests.live.rest import Airflow, wait_for

DAG_ID = "deptstats_nightly"
BAD_FILE = "health/prepregnancy_checks_2023.csv"
READY_LINE = "Ctrl-C stops every component."
# Seconds. `deptstats airflow up` migrates, then waits for every component to be healthy; on a
# loaded 2-core machine that takes minutes.
START_TIMEOUT = 900
# Below Linux's ephemeral range (32768-60999), which outgoing connections draw from: a port
# chosen there may be taken by any client socket before the api-server binds it.
PORTS = range(20000, 32000)
START_ATTEMPTS = 3
STEWARD_EMAIL = "steward@example.org"


def free_port() -> int:
    """A port nobody listens on now, outside the ephemeral range (see PORTS)."""
    for _ in range(200):
        port = random.choice(PORTS)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


def read_text(path: Path) -> tuple[str, str]:
    """A sample delivery's text and its encoding (the sample uses UTF-8 and GB18030)."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{path}: neither UTF-8 nor GB18030")


def set_cell(path: Path, row: int, column: int, value: str) -> str:
    """Set one cell of a sample CSV (row as the steward counts it, header = 1); the old value."""
    text, encoding = read_text(path)
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    cells = lines[row - 1].split(",")
    old, cells[column] = cells[column], value
    lines[row - 1] = ",".join(cells)
    path.write_bytes(("\r\n" if "\r\n" in text else "\n").join(lines).encode(encoding))
    return old


def break_health_row(landing: Path) -> None:
    """Row 4 of the health extract checks more people than it targets."""
    set_cell(landing / BAD_FILE, 4, 1, "636")
    set_cell(landing / BAD_FILE, 4, 2, "641")


def fix_health_row(landing: Path) -> None:
    set_cell(landing / BAD_FILE, 4, 2, "600")


def _stat(pid: str) -> tuple[int, int] | None:
    """(parent pid, process group) of a process, None if it is gone (a zombie is: it has
    ended and waits only for its parent to read its exit status)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else (int(fields[1]), int(fields[2]))


def component_groups(parent: int) -> list[int]:
    """The process groups `deptstats airflow up` (pid `parent`) started: one per component."""
    return [int(pid) for pid in os.listdir("/proc") if pid.isdigit() and (_stat(pid) or (0, 0))[0] == parent]


def processes_in(groups: list[int]) -> list[int]:
    """Processes of these process groups (the components and everything they forked; their
    command lines and environments may have been rewritten by setproctitle)."""
    wanted = set(groups)
    return [int(pid) for pid in os.listdir("/proc") if pid.isdigit() and (_stat(pid) or (0, 0))[1] in wanted]


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Inbox:
    """What the deployment's SMTP server received, parsed (aiosmtpd's handler)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for recipients, message in self.messages if address in recipients]


@contextlib.contextmanager
def mail_server(root: Path, registry: Registry) -> Iterator[tuple[Inbox | None, dict[str, str]]]:
    """A local SMTP server for the deployment's notices: its inbox, and the settings that point
    the deployment at it (the sample contacts, the steward's address, the deptstats_smtp
    connection). Without aiosmtpd (outside CI): no inbox, no settings, the notices skipped."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("aiosmtpd is not installed: pip install -c constraints.txt -e '.[dev]'")
        yield None, {}
        return
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings = {
        "DEPTSTATS_CONTACTS": str(write_sample_contacts(root / "contacts.toml", registry)),
        "DEPTSTATS_STEWARD_EMAIL": STEWARD_EMAIL,
        "AIRFLOW_CONN_DEPTSTATS_SMTP": smtp_connection(port, "deptstats@example.org"),
    }
    try:
        yield inbox, settings
    finally:
        controller.stop()


@dataclass
class LiveAirflow:
    url: str
    home: Path
    landing: Path
    warehouse: str
    out: Path
    process: subprocess.Popen
    scheduled_run: str = ""
    groups: tuple[int, ...] = ()
    project: Path = Path()  # DEPTSTATS_HOME of the components: a copy of include/, dags/, plugins/
    inbox: Inbox | None = field(default=None, repr=False)  # the notices sent, None without aiosmtpd

    @property
    def passwords(self) -> dict[str, str]:
        """login -> password, as `deptstats airflow up` drew them (the FAB users' passwords)."""
        return json.loads((self.home / PASSWORDS_FILE).read_text(encoding="utf-8"))

    def client(self, user: str | None = None) -> Airflow:
        """The REST API as `user` (FAB's POST /auth/token), or anonymous: every login of the tests."""
        return Airflow(self.url, user, self.passwords[user] if user else None)

    def user_id(self, user: str) -> str:
        """FAB's id of `user`, as its token names it (the `sub` claim)."""
        token = self.client(user).token or ""
        return str(json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["sub"])

    def department_access(self, user: str, departments: list[str]) -> dict[str, bool]:
        """deptstats.airflow.department_access for `user` (as its token names it) and each of
        `departments`, asked of the auth manager in a process with the components' settings."""
        user_id = self.user_id(user)
        script = (
            "import json, sys\n"
            "from airflow.api_fastapi.app import create_auth_manager\n"
            "from deptstats.airflow import department_access\n"
            "manager = create_auth_manager()\n"
            "manager.init()\n"
            "user = manager.deserialize_user({'sub': sys.argv[1]})\n"
            "print(json.dumps({d: department_access(user, d) for d in sys.argv[2:]}))\n"
        )
        env = dict(os.environ, AIRFLOW_HOME=str(self.home), AIRFLOW__CORE__AUTH_MANAGER=AUTH_MANAGER)
        done = subprocess.run(
            [sys.executable, "-c", script, user_id, *departments],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])


def _start(
    home: Path,
    landing: Path,
    warehouse: str,
    out: Path,
    port: int,
    env: dict[str, str] | None = None,
    options: tuple[str, ...] = (),
) -> tuple[subprocess.Popen, list[str]]:
    command = [
        sys.executable,
        "-m",
        "deptstats.cli",
        "airflow",
        "up",
        "--home",
        str(home),
        "--landing",
        str(landing),
        "--warehouse",
        warehouse,
        "--out",
        str(out),
        "--port",
        str(port),
        *options,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        seen.append(line.rstrip("\n"))
        if line.strip() == READY_LINE:
            return process, seen
    # stopped whole (components included), so a failed start leaves nothing running
    groups = component_groups(process.pid)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=90)
    except subprocess.TimeoutExpired:
        process.kill()
    kill(processes_in(groups))
    seen += [line.rstrip("\n") for line in drained(lines)]
    return process, seen


def drained(lines: queue.Queue[str]) -> list[str]:
    found = []
    while not lines.empty():
        found.append(lines.get_nowait())
    return found


def start(
    home: Path,
    landing: Path,
    warehouse: str,
    out: Path,
    env: dict[str, str] | None = None,
    options: tuple[str, ...] = (),
) -> tuple[subprocess.Popen, int]:
    """`deptstats airflow up` on a free port, READY_LINE printed: the process and the port.
    A port taken by someone else between free_port() and the api-server's bind is no failure
    of the software: another port is tried."""
    for _ in range(START_ATTEMPTS):
        port = free_port()
        process, seen = _start(home, landing, warehouse, out, port, env, options)
        if seen and seen[-1].strip() == READY_LINE:
            return process, port
        logs = "".join(
            (home / "logs" / "components" / f"{name}.log").read_text(errors="replace")[-3000:]
            for name in ("api-server", "scheduler", "dag-processor")
            if (home / "logs" / "components" / f"{name}.log").exists()
        )
        said = "\n".join(seen)
        if f"{port} is in use" not in said and "address already in use" not in logs.lower():
            break
    pytest.fail(
        f"deptstats airflow up did not print {READY_LINE!r} within {START_TIMEOUT} s "
        f"(exit code {process.poll()}); it printed:\n{said}\nends of the component "
        f"logs:\n{logs}"
    )


def stop(airflow: LiveAirflow) -> tuple[int | None, list[int]]:
    """SIGTERM to `deptstats airflow up`, as Ctrl-C or a service manager would: its exit code,
    and the processes of its components it left running (killed here, so nothing lingers)."""
    airflow.process.send_signal(signal.SIGTERM)
    try:
        code = airflow.process.wait(timeout=180)
    except subprocess.TimeoutExpired:
        airflow.process.kill()
        code = None
    # it SIGKILLs its components' groups before it exits; a process that got the signal may
    # take a moment to be gone, one left running stays
    deadline = time.monotonic() + 60
    while (left := processes_in(list(airflow.groups))) and time.monotonic() < deadline:
        time.sleep(0.5)
    kill(left)
    return code, left


def kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _wait_scheduled_run(client: Airflow, timeout: float = 600) -> str:
    def created() -> str | None:
        runs = client.get(f"/api/v2/dags/{DAG_ID}/dagRuns", run_type="scheduled")["dag_runs"]
        return runs[0]["dag_run_id"] if runs else None

    return wait_for(
        "the scheduler to create the nightly run after the DAG was unpaused",
        created,
        timeout,
        seen=lambda: client.get(f"/api/v2/dags/{DAG_ID}/dagRuns"),
    )


@pytest.fixture(scope="session")
def live(
    tmp_path_factory: pytest.TempPathFactory, sample_dir: Path, registry: Registry
) -> Iterator[LiveAirflow]:
    root = tmp_path_factory.mktemp("live")
    with mail_server(root, registry) as (inbox, mail_settings):
        yield from _live(root, sample_dir, inbox, mail_settings)


def _live(
    root: Path, sample_dir: Path, inbox: Inbox | None, mail_settings: dict[str, str]
) -> Iterator[LiveAirflow]:
    home, landing, out = root / "airflow", root / "landing", root / "out"
    shutil.copytree(sample_dir, landing)
    break_health_row(landing)
    warehouse = f"sqlite:///{root / 'warehouse.db'}"
    # the components read include/ from a copy a test may break (tests/live/test_failed_step.py),
    # never the repository's; a failed step's retries come quickly
    project = root / "project"
    for folder in ("include", "dags", "plugins"):
        shutil.copytree(
            Path(__file__).resolve().parents[2] / folder,
            project / folder,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    # a route calling announce_delivery inside the api-server (tests/live/test_reload_live.py)
    shutil.copy(Path(__file__).with_name("plugins") / "deptstats_test_announce.py", project / "plugins")
    # the office's deployment speaks Chinese (its default), whatever the tests' own language
    env = dict(
        os.environ,
        DEPTSTATS_HOME=str(project),
        DEPTSTATS_RETRY_DELAY_SECONDS="2",
        DEPTSTATS_LANG="zh_CN",
        # the nightly's deadline at its logical date: the scheduled run, created after it,
        # has missed it at once (tests/live/test_nightly_live.py)
        DEPTSTATS_DEADLINE_MINUTES="0",
        **mail_settings,
    )
    process, port = start(home, landing, warehouse, out, env)
    airflow = LiveAirflow(
        f"http://127.0.0.1:{port}",
        home,
        landing,
        warehouse,
        out,
        process,
        groups=tuple(component_groups(process.pid)),
        project=project,
        inbox=inbox,
    )
    try:
        assert len(airflow.groups) == 4  # api-server, scheduler, dag-processor, triggerer
        admin = airflow.client("admin")
        admin.wait_dag(DAG_ID)
        admin.call("PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})
        airflow.scheduled_run = _wait_scheduled_run(admin)
        admin.wait_run(DAG_ID, airflow.scheduled_run)
        yield airflow
    finally:
        code, left = stop(airflow)
        assert code == 0, f"deptstats airflow up ended with {code} on SIGTERM"
        assert not left, f"processes left running after SIGTERM: {left}"
