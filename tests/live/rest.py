"""A small client of Airflow's REST API (v2), as a script or the UI would call it."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, body: str):
        self.status = status
        super().__init__(f"HTTP {status}: {body[:500]}")


class Airflow:
    def __init__(self, base_url: str, user: str | None = None, password: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.token: str | None = None
        if user:
            self.token = self.login(user, password or "")

    def login(self, user: str, password: str) -> str:
        body = self.call("POST", "/auth/token", {"username": user, "password": password})
        return body["access_token"]

    def call(self, method: str, path: str, body: Any = None, token: str | None = None,
             raw: bool = False) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        token = token or self.token
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as error:
            raise ApiError(error.code, error.read().decode(errors="replace")) from None
        return text if raw else (json.loads(text) if text else None)

    def get(self, path: str, **params: Any) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self.call("GET", path + query)

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        rows = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{_q(run_id)}/taskInstances",
                        limit=200)["task_instances"]
        return {row["task_id"]: row["state"] for row in rows}

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{_q(run_id)}")["state"]

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 300.0) -> str:
        """The run's final state (success or failed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.run_state(dag_id, run_id)
            if state in ("success", "failed"):
                return state
            time.sleep(1)
        raise TimeoutError(f"{run_id} still {state} after {timeout:.0f} s: "
                           f"{self.task_states(dag_id, run_id)}")


    def wait_rerun(self, dag_id: str, run_id: str, timeout: float = 300.0) -> str:
        """After a clear: the final state of the run once it has left the one it ended in."""
        deadline = time.monotonic() + 60
        while self.run_state(dag_id, run_id) in ("success", "failed"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{run_id} was not rerun within 60 s of the clear")
            time.sleep(0.5)
        return self.wait_run(dag_id, run_id, timeout)


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")
