"""Tests only (the live fixture copies it beside the deptstats plugin): POST /deptstats-test/announce
calls deptstats.airflow.announce_delivery inside the api-server, for any logged-in user, as the
upload page does after a delivery, so a test can show that the event needs no privilege of the
user's own."""

from typing import ClassVar

from airflow.api_fastapi.core_api.security import GetUserDep, requires_authenticated
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI
from pydantic import BaseModel


class Delivery(BaseModel):
    department: str
    extract: str
    period: str


def _app() -> FastAPI:
    app = FastAPI()

    # annotations are evaluated here (no `from __future__ import annotations`): FastAPI reads them
    @app.post("/announce", dependencies=[Depends(requires_authenticated())])
    def announce(delivery: Delivery, user: GetUserDep) -> dict:
        from deptstats.airflow import announce_delivery

        return announce_delivery(delivery.department, delivery.extract, delivery.period, user.get_name())

    return app


class DeptstatsTestAnnouncePlugin(AirflowPlugin):
    name = "deptstats_test_announce"
    fastapi_apps: ClassVar[list[dict]] = [
        {"app": _app(), "url_prefix": "/deptstats-test", "name": "deptstats test announce"}
    ]
