"""The upload page's screening server: a process that imports what a screening needs once
(pandas, pyarrow, Great Expectations and the screening's modules: PRELOAD), then forks one
child per screening. Started by warm_screening.Screener as

    python -m deptstats.airflow.screening_server SOCKET

it listens on the Unix socket SOCKET (in a folder only its account can open) and ends when its
standard input closes, that is when the api-server that started it is gone. A child answers
its connection with its pid (so that the page can kill it, and all it started, when its time
is up), then the job's answer as one JSON line, and exits."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import signal
import socket
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

# imported before any fork: importing only (no thread started, no file left open that the
# children would share)
PRELOAD = (
    "great_expectations",
    "pandas",
    "pyarrow",
    "sqlalchemy",
    "deptstats.core.registry",
    "deptstats.publish.screening",
    "deptstats.validation.gx_runner",
    "deptstats.warehouse.engine",
)
READ_LIMIT = 64 * 1024  # a request is a few paths and codes
Job = Callable[[dict[str, Any]], dict[str, Any]]


def screen_job(request: dict[str, Any]) -> dict[str, Any]:
    """The screening report of request["file"] as its extract and period, as JSON-able data."""
    from deptstats.core import load_registry, parse_period
    from deptstats.publish import screen
    from deptstats.warehouse import open_engine

    language, url = request["language"], request.get("warehouse_url")
    os.environ["DEPTSTATS_LANG"] = language
    registry = load_registry()
    engine = open_engine(url, write=False) if url else None
    try:
        extract, period = registry.extract(request["extract"]), parse_period(request["period"])
        report = screen(Path(request["file"]), extract, period, registry, engine)
    finally:
        if engine is not None:
            engine.dispose()
    return report.to_json(language)


def serve(path: str, job: Job = screen_job, preload: tuple[str, ...] = PRELOAD) -> None:
    """Import `preload`, listen on `path`, fork a child per connection until stdin closes."""
    for name in preload:
        importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the children reaped as they end
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    try:
        while True:
            ready, _, _ = select.select([listener, sys.stdin], [], [])
            if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1024):
                return  # the api-server is gone
            if listener in ready:
                connection, _ = listener.accept()
                if os.fork() == 0:
                    listener.close()
                    _child(connection, job)
                connection.close()
    finally:
        Path(path).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            Path(path).parent.rmdir()


def _child(connection: socket.socket, job: Job) -> None:
    """In the forked child: a session of its own, its pid told, the job's answer sent."""
    code = 0
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        stream = connection.makefile("rwb")
        stream.write(f"{os.getpid()}\n".encode())
        stream.flush()
        request = json.loads(stream.readline(READ_LIMIT))
        try:
            said: dict[str, Any] = {"report": job(request)}
        except Exception as error:  # told to the page, which logs it
            said = {"failed": "".join(traceback.format_exception(error))[-2000:]}
        stream.write(json.dumps(said, ensure_ascii=False).encode() + b"\n")
        stream.flush()
    except BaseException:
        code = 1
    finally:
        os._exit(code)  # never back into the server's loop


if __name__ == "__main__":
    serve(sys.argv[1])
