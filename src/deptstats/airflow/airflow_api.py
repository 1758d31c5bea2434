"""Airflow's REST API as the sign-off DAG calls it from a task: to end the approval of a
superseded snapshot (a task may change only its own state through the Execution API). The
address and login come from the Airflow connection `deptstats_airflow_api`, which `deptstats
airflow up` gives every component (its `signoff` login, FAB role `signoff`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from deptstats.airflow.signoff_settings import API_CONN_ID

REQUEST_TIMEOUT = 60.0
# an approval still waiting, or not yet opened: one that ended is left as it ended
OPEN_STATES = (None, "scheduled", "queued", "running", "awaiting_input", "deferred", "up_for_retry")


class ApiFailure(Exception):
    """A request the api-server refused or did not answer; the message names it."""


@dataclass
class AirflowApi:
    base_url: str
    token: str

    @classmethod
    def from_connection(cls) -> AirflowApi:
        from airflow.sdk import Connection

        conn = Connection.get(API_CONN_ID)
        base_url = (conn.extra_dejson.get("base_url") or conn.host or "").rstrip("/")
        if not base_url:
            raise ApiFailure(f"the connection {API_CONN_ID} names no api-server (extra base_url)")
        body = _request("POST", base_url + "/auth/token", {"username": conn.login, "password": conn.password})
        return cls(base_url, body["access_token"])

    def call(self, method: str, path: str, body: Any = None) -> Any:
        return _request(method, self.base_url + path, body, self.token)


def _request(method: str, url: str, body: Any = None, token: str | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            text = response.read().decode()
    except urllib.error.HTTPError as error:
        shown = url.split("?")[0]
        raise ApiFailure(
            f"{method} {shown}: HTTP {error.code} {error.read().decode(errors='replace')[:300]}"
        ) from None
    except (urllib.error.URLError, OSError) as error:
        raise ApiFailure(f"{method} {url}: the api-server did not answer ({error})") from None
    return json.loads(text) if text else None


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def end_approval(api: AirflowApi, dag_id: str, run_id: str, task_id: str, note: str) -> str | None:
    """Set an approval that still waits (or was never opened) to skipped, with `note` on the task
    and on its run; its state before, or None when there was nothing to end."""
    path = f"/api/v2/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}"
    try:
        state = api.call("GET", f"{path}/taskInstances/{_q(task_id)}")["state"]
    except ApiFailure as failure:
        if "HTTP 404" in str(failure):
            return None
        raise
    if state not in OPEN_STATES:
        return None
    api.call(
        "PATCH",
        f"{path}/taskInstances/{_q(task_id)}?update_mask=new_state&update_mask=note",
        {"new_state": "skipped", "note": note[:1000]},
    )
    api.call("PATCH", f"{path}?update_mask=note", {"note": note[:1000]})
    return state or "none"
