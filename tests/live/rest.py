"""A small client of Airflow's REST API (v2), as a script or the UI would call it.

Every wait here polls a condition until a deadline and, on timeout, says what it awaited and
what it saw last: on a busy machine a healthy run returns as soon as the condition holds, so
the deadlines are generous."""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
FINAL = ("success", "failed")
# Seconds. A whole nightly under the LocalExecutor on a loaded 2-core machine takes minutes.
RUN_TIMEOUT = 1800.0
REQUEST_TIMEOUT = 120.0
# an api-server restarting or swamped answers these for a moment; a GET may be asked again
RETRYABLE_STATUS = (502, 503, 504)
RETRY_FOR = 120.0


class ApiError(Exception):
    def __init__(self, status: int, body: str):
        self.status, self.body = status, body
        super().__init__(f"HTTP {status}: {body[:500]}")


def wait_for(
    what: str,
    probe: Callable[[], T | None],
    timeout: float,
    seen: Callable[[], Any] | None = None,
    every: float = 1.0,
) -> T:
    """The first truthy result of `probe()`, polled until `timeout` seconds have passed; on
    timeout a TimeoutError naming `what` was awaited and what was seen last."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        result = probe()
        if result:
            return result
        last = result
        if time.monotonic() >= deadline:
            shown = seen() if seen else last
            raise TimeoutError(f"waited {timeout:.0f} s for {what}; last seen: {shown!r}")
        time.sleep(every)


class Airflow:
    def __init__(self, base_url: str, user: str | None = None, password: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.token: str | None = None
        if user:
            self.token = self.login(user, password or "")

    def login(self, user: str, password: str) -> str:
        body = self.call("POST", "/auth/token", {"username": user, "password": password})
        return body["access_token"]

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None, raw: bool = False
    ) -> Any:
        """One request. A refused connection (nothing was sent) is tried again for every
        method; a timeout, a dropped connection or a 502/503/504 only for a GET or a login,
        which change nothing when asked twice."""
        repeatable = method == "GET" or path == "/auth/token"
        deadline = time.monotonic() + RETRY_FOR
        while True:
            try:
                return self._call_once(method, path, body, token, raw)
            except ApiError as error:
                if not repeatable or error.status not in RETRYABLE_STATUS or time.monotonic() > deadline:
                    raise
            except (TimeoutError, ConnectionError, urllib.error.URLError) as error:
                refused = isinstance(getattr(error, "reason", error), ConnectionRefusedError)
                if not (refused or repeatable) or time.monotonic() > deadline:
                    raise
            time.sleep(1)

    def _call_once(self, method: str, path: str, body: Any, token: str | None, raw: bool) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        token = token or self.token
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as error:
            raise ApiError(error.code, error.read().decode(errors="replace")) from None
        return text if raw else (json.loads(text) if text else None)

    def post_form(
        self,
        path: str,
        fields: dict[str, str],
        files: dict[str, tuple[str, bytes]] | None = None,
        origin: str | None = None,
    ) -> str:
        """A form posted as a browser would (multipart/form-data when it carries files, else
        urlencoded), with `origin` as its Origin header: the page's HTML. Sent once (a POST
        changes something); ApiError for any status but 2xx."""
        if files:
            data, content_type = multipart(fields, files)
        else:
            data, content_type = urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base_url + path, data=data, method="POST")
        request.add_header("Content-Type", content_type)
        if origin is not None:
            request.add_header("Origin", origin)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                return response.read().decode()
        except urllib.error.HTTPError as error:
            raise ApiError(error.code, error.read().decode(errors="replace")) from None

    def get(self, path: str, **params: Any) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self.call("GET", path + query)

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        rows = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{_q(run_id)}/taskInstances", limit=200)[
            "task_instances"
        ]
        return {row["task_id"]: row["state"] for row in rows}

    def run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{_q(run_id)}")

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.run(dag_id, run_id)["state"]

    def wait_dag(self, dag_id: str, timeout: float = 600.0) -> dict[str, Any]:
        """The DAG once the dag-processor has parsed it into the metadata database (the
        api-server answers before that: a PATCH or a trigger would get 404)."""

        def parsed() -> dict[str, Any] | None:
            try:
                return self.get(f"/api/v2/dags/{dag_id}")
            except ApiError as error:
                if error.status == 404:
                    return None
                raise

        return wait_for(
            f"the dag-processor to parse {dag_id}", parsed, timeout, seen=lambda: "HTTP 404 (not parsed yet)"
        )

    def wait_run(self, dag_id: str, run_id: str, timeout: float = RUN_TIMEOUT) -> str:
        """The run's final state (success or failed)."""

        def final() -> str | None:
            state = self.run_state(dag_id, run_id)
            return state if state in FINAL else None

        return wait_for(
            f"{run_id} to end (success or failed)",
            final,
            timeout,
            seen=lambda: (self.run_state(dag_id, run_id), self.task_states(dag_id, run_id)),
        )

    def wait_rerun(self, dag_id: str, run_id: str, ended: str | None, timeout: float = RUN_TIMEOUT) -> str:
        """After a clear: the final state of the run once it has ended again. `ended` is the
        run's end_date read before the clear: the rerun has ended when the run is final with
        another end_date (whether or not a poll caught it queued or running)."""

        def ended_again() -> str | None:
            run = self.run(dag_id, run_id)
            return run["state"] if run["state"] in FINAL and run["end_date"] != ended else None

        return wait_for(
            f"{run_id} to be rerun after the clear and end again (it had ended at {ended})",
            ended_again,
            timeout,
            seen=lambda: (self.run(dag_id, run_id), self.task_states(dag_id, run_id)),
        )


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body (RFC 7578) and its Content-Type: `fields` as text, `files` as
    name -> (file name, content)."""
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (filename, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")
