"""Screenings run in processes forked from a warm one. The api-server has one worker, so a
screening never runs in it; but a fresh `deptstats screen` process spends seconds importing
pandas, pyarrow and Great Expectations before it reads a row. So the api-server keeps one
screening server (screening_server), started when the upload form is first shown, which has
imported them; each screening is a child forked from it, alive only for that file, in a session
of its own, and killed with whatever it started once its time is up."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from deptstats.core import Extract, Period
from deptstats.publish import ScreenReport

SERVER = [sys.executable, "-m", "deptstats.airflow.screening_server"]
SOCKET_NAME = "screening.sock"


class ScreenTimeout(Exception):
    """The screening took longer than its timeout and was stopped."""


class ScreenFailed(Exception):
    """The screening ended without a report (what it said)."""


class Screener:
    """The screening server of this process (`server`: its command, given the socket's path),
    started on first use and again if it has died."""

    def __init__(self, server: list[str] = SERVER):
        self.server = server
        self._process: subprocess.Popen | None = None
        self._socket = Path()
        self._lock = threading.Lock()

    def _running(self) -> Path:
        """The server's socket, the server started if it is not running."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                folder = Path(tempfile.mkdtemp(prefix="deptstats-screening-"))  # this account's alone
                self._socket = folder / SOCKET_NAME
                # its stdin is a pipe it watches: closed when this process ends, it ends too
                self._process = subprocess.Popen([*self.server, str(self._socket)], stdin=subprocess.PIPE)
            return self._socket

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def ready(self) -> bool:
        """Whether the server has imported what it preloads and listens."""
        return self.running() and self._socket.exists()

    def server_pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def stop(self) -> None:
        """End the server (it ends on its own when this process does): its stdin closed."""
        with self._lock:
            if self._process is not None:
                self._process.stdin.close()
                try:
                    self._process.wait(30)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
                self._process = None

    def warm(self) -> None:
        """Start the server now, if it is not running: it imports while the form is filled in."""
        self._running()

    def screen(
        self,
        file: Path,
        extract: Extract,
        period: Period,
        language: str,
        warehouse_url: str | None,
        timeout: float,
    ) -> ScreenReport:
        """The report of `file`; ScreenTimeout past `timeout` seconds (the child and everything
        it started killed), ScreenFailed if it ended without one."""
        request = {
            "file": str(file),
            "extract": extract.code,
            "period": period.code,
            "language": language,
            "warehouse_url": warehouse_url,
        }
        said = self.ask(request, timeout)
        try:
            return ScreenReport.from_json(said)
        except (ValueError, KeyError, TypeError) as error:
            raise ScreenFailed(f"no report: {error}") from None

    def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """A forked child's answer to `request`, within `timeout` seconds of now (the server's
        start included, if it was not running)."""
        deadline = time.monotonic() + timeout
        with self._child(deadline) as (connection, stream, child):
            try:
                stream.write(json.dumps(request).encode() + b"\n")
                stream.flush()
                answer = _line(connection, stream, deadline)
            except TimeoutError:
                _kill_session(child)
                raise ScreenTimeout(timeout) from None
            except OSError as error:
                raise ScreenFailed(f"the screening ended without an answer: {error}") from None
        if not answer:
            raise ScreenFailed("the screening ended without an answer")
        said = json.loads(answer)
        if "failed" in said:
            raise ScreenFailed(said["failed"])
        return said["report"]

    @contextlib.contextmanager
    def _child(self, deadline: float) -> Any:
        """A connection to a forked child, which has told its pid: (connection, stream, pid).
        The server is waited for while it starts, and started again if it has died."""
        while True:
            path = self._running()
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            stream = connection.makefile("rwb")
            try:
                connection.connect(str(path))
                child = int(_line(connection, stream, deadline) or 0)
            except TimeoutError:
                connection.close()
                raise ScreenTimeout(deadline) from None
            except OSError:  # not listening yet, or gone (its socket left behind)
                child = 0
            if child:
                break
            connection.close()
            if time.monotonic() > deadline:
                raise ScreenTimeout(deadline)
            time.sleep(0.05)  # the server is starting: its socket is not there yet
        try:
            yield connection, stream, child
        finally:
            connection.close()


def _line(connection: socket.socket, stream: Any, deadline: float) -> bytes:
    """One line of the answer; TimeoutError once the deadline has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    connection.settimeout(left)
    return stream.readline()


def _kill_session(pid: int) -> None:
    """SIGKILL to the child's session: it and what it started."""
    if pid > 0:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


SCREENER = Screener()
