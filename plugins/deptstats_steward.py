"""The data stewards' pages inside the Airflow UI: "Deliveries" in the navigation, and a tab on
each run of the nightly DAG listing the files it refused, each problem and the task to clear, and a
page of every problem of a load batch (/deptstats/problems/<batch_id>, with CSV and XLSX); and
"Board" in the navigation, the submission board of a reply (/deptstats/board?reply=…).

The app (deptstats.airflow.steward_web) is served by the api-server under /deptstats; every route
requires Airflow's own authentication (Bearer token or the UI's cookie), and a run's page read
access to its DAG's runs, a batch's problems and the board read access to the nightly DAG's runs.
/deptstats/snapshots/... serves the sign-off's snapshot files (only under $DEPTSTATS_OUT/snapshots)
to those who may read deptstats_signoff's runs: the approval links to its DOCX; a run's page shows
a 退回 and its reason. /deptstats/upload screens a department's file and delivers it into the
landing folder (deptstats.airflow.steward_upload). The names in the UI's menus are in the
deployment's language ($DEPTSTATS_LANG), read when the plugin is loaded; the pages follow the UI's
own choice."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import ClassVar

from airflow.plugins_manager import AirflowPlugin

from deptstats.core import gettext


def _engine():
    return _warehouse(write=False)


def _writer():
    """The warehouse as the upload page records uploads in it."""
    return _warehouse(write=True)


@cache
def _warehouse(write: bool):
    from airflow.models.connection import Connection

    from deptstats.warehouse import CONN_ID, open_engine, url_from_connection

    conn = Connection.get_connection_from_secrets(CONN_ID)
    return open_engine(
        url_from_connection(
            conn.conn_type, conn.host, conn.login, conn.password, conn.port, conn.schema, conn.extra_dejson
        ),
        write=write,
    )


def _snapshots() -> Path | None:
    """out/snapshots of the components' output folder ($DEPTSTATS_OUT), or None."""
    out = os.environ.get("DEPTSTATS_OUT")
    return Path(out) / "snapshots" if out else None


def _app():
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
    from airflow.api_fastapi.core_api.security import requires_access_dag, requires_authenticated

    from deptstats.airflow import NIGHTLY_DAG_ID, SIGNOFF_DAG_ID, create_app, department_access, upload_wiring

    may_read_loads = requires_access_dag("GET", DagAccessEntity.RUN, param_dag_id=NIGHTLY_DAG_ID)
    return create_app(
        _engine,
        requires_authenticated(),
        requires_access_dag("GET", DagAccessEntity.RUN),
        snapshots=_snapshots,
        may_read_signoff=requires_access_dag("GET", DagAccessEntity.RUN, param_dag_id=SIGNOFF_DAG_ID),
        may_read_loads=may_read_loads,
        # the upload page: any login reaches it (a clerk reads no DAG); the auth manager says for
        # which departments (FAB: the resource deptstats_department_<code>) it may deliver
        uploads=upload_wiring(
            _writer,
            requires_authenticated(),
            may_upload=lambda user, department: department_access(user, department, "POST"),
        ),
    )


class DeptstatsStewardPlugin(AirflowPlugin):
    name = "deptstats_steward"
    fastapi_apps: ClassVar[list[dict]] = [
        {"app": _app(), "url_prefix": "/deptstats", "name": "deptstats steward"}
    ]
    external_views: ClassVar[list[dict]] = [
        {
            "name": gettext("Deliveries"),
            "href": "/deptstats/deliveries",
            "destination": "nav",
            "url_route": "deptstats-deliveries",
            "category": "browse",
        },
        {
            "name": gettext("Board"),
            "href": "/deptstats/board",
            "destination": "nav",
            "url_route": "deptstats-board",
            "category": "browse",
        },
        {
            "name": gettext("Upload a file"),
            "href": "/deptstats/upload",
            "destination": "nav",
            "url_route": "deptstats-upload",
            "category": "browse",
        },
        {
            "name": gettext("Refused files"),
            "href": "/deptstats/runs/{DAG_ID}/{RUN_ID}",
            "destination": "dag_run",
            "url_route": "deptstats-refused-files",
        },
    ]
