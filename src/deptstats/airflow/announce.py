"""A delivery announced from inside the api-server: the department's asset event, which starts
the reload DAG, added with the deptstats plugin's own privilege. A clerk may neither trigger a
run nor post an asset event; the upload page, having checked who may deliver what, calls
announce_delivery after it has put the file in the landing folder.

It does what `POST /api/v2/assets/events` does (airflow.assets.manager's register_asset_change
on a session of the metadata database), without the HTTP request and its permission check, and
writes a line to Airflow's audit log (Browse > Audit Log) naming the uploader, as that route's
action logging would."""

from __future__ import annotations

import json
from typing import Any

from deptstats.airflow.reload_assets import RELOAD_DAG_ID, department_asset
from deptstats.core import load_registry, parse_period

AUDIT_EVENT = "deptstats_delivery_announced"


class NotAnnounced(LookupError):
    """The department's asset is not known to Airflow (the reload DAG was never parsed)."""


def delivery_extra(department: str, extract: str, period: str, uploaded_by: str) -> dict[str, Any]:
    """The event's extra: what was delivered and by whom. ValueError when the registry has no
    such extract of that department, or the period is not one of its periods (a year, a month)."""
    registry = load_registry()
    found = next((e for e in registry.extracts_of(department) if e.code == extract), None)
    if found is None:
        raise ValueError(f"the department {department!r} delivers no extract {extract!r}")
    if parse_period(period).kind != found.period:  # ValueError too when it is no period at all
        raise ValueError(f"{extract!r} is delivered by {found.period}, not for {period!r}")
    if not uploaded_by:
        raise ValueError("an announced delivery names who uploaded it")
    return {
        "department": department,
        "extract": extract,
        "period": period,
        "uploaded_by": uploaded_by,
        "via": "upload",
    }


def announce_delivery(
    department: str, extract: str, period: str, uploaded_by: str, session: Any = None
) -> dict[str, Any]:
    """Emit the department's asset event naming the extract (only that extract reloads) and return
    {"asset_event_id", "asset", "timestamp", "extra"}. Runs where Airflow's metadata database is
    configured (the api-server; `session`: one of its sessions, committed by its owner; else one
    is opened and committed here). Raises ValueError for a delivery the registry does not know,
    NotAnnounced when the asset is not registered yet."""
    extra = delivery_extra(department, extract, period, uploaded_by)
    if session is not None:
        return _announce(session, department, extra)
    from airflow.utils.session import create_session

    with create_session() as own:
        return _announce(own, department, extra)


def _announce(session: Any, department: str, extra: dict[str, Any]) -> dict[str, Any]:
    from airflow._shared.timezones import timezone
    from airflow.assets.manager import asset_manager
    from airflow.models.asset import AssetModel
    from airflow.models.log import Log
    from sqlalchemy import select

    asset = department_asset(department)
    model = session.scalar(
        select(AssetModel).where(AssetModel.name == asset.name, AssetModel.uri == asset.uri).limit(1)
    )
    event = None
    if model is not None:
        event = asset_manager.register_asset_change(
            asset=model,
            timestamp=timezone.utcnow(),
            extra=extra,
            source_is_api=True,
            api_user_teams=set(),
            session=session,
        )
    if event is None:
        raise NotAnnounced(
            f"Airflow knows no asset {asset.uri}: the DAG {RELOAD_DAG_ID} has not been parsed yet"
        )
    session.add(
        Log(
            event=AUDIT_EVENT,
            owner=extra["uploaded_by"],
            dag_id=RELOAD_DAG_ID,
            extra=json.dumps({"asset": asset.uri, **extra}, ensure_ascii=False),
        )
    )
    session.flush()
    return {
        "asset_event_id": event.id,
        "asset": asset.uri,
        "timestamp": event.timestamp.isoformat(),
        "extra": extra,
    }
