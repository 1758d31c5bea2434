"""The nightly's notices: `send_notices`, the task that e-mails each department its refused and
late items once (notice_sent remembers them), and the run's deadline, whose callback e-mails the
steward ($DEPTSTATS_STEWARD_EMAIL) when a run has not finished by its logical date plus
$DEPTSTATS_DEADLINE_MINUTES (default 330: 01:30 + 5 h 30 = 07:00). This module is imported when
the DAG file is parsed: Airflow's SDK and the core only, at the top."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

from deptstats.core import N_, non_negative_setting, render

log = logging.getLogger(__name__)

DEADLINE_SETTING = "DEPTSTATS_DEADLINE_MINUTES"
DEFAULT_DEADLINE_MINUTES = 330.0
STEWARD_SETTING = "DEPTSTATS_STEWARD_EMAIL"


def deadline_minutes() -> float | None:
    """$DEPTSTATS_DEADLINE_MINUTES after the logical date, else 330 (5 h 30); None for "off"."""
    if os.environ.get(DEADLINE_SETTING, "").strip().lower() == "off":
        return None
    return non_negative_setting(DEADLINE_SETTING, DEFAULT_DEADLINE_MINUTES)


def steward_email() -> str | None:
    """Whom a missed deadline is e-mailed to ($DEPTSTATS_STEWARD_EMAIL); None when unset."""
    return os.environ.get(STEWARD_SETTING, "").strip() or None


def deadline_alert() -> DeadlineAlert | None:
    """The nightly's deadline: its logical date plus deadline_minutes(); when a run has not
    finished by then, the triggerer awaits deadline_missed. None when the setting is "off"
    (`deptstats run`, whose dag.test() has no triggerer)."""
    minutes = deadline_minutes()
    if minutes is None:
        return None
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=timedelta(minutes=minutes),
        callback=AsyncCallback(deadline_missed),
    )


def _base_url() -> str:
    from airflow.providers.common.compat.sdk import conf

    return (conf.get("api", "base_url", fallback="") or "").rstrip("/")


async def deadline_missed(context: dict[str, Any] | None = None, **_: Any) -> str:
    """The deadline's callback (in the triggerer): e-mail the steward that the run had not
    finished, in the deployment's language. `context`: what the scheduler passes (the run as the
    REST API shows it, and the deadline)."""
    from deptstats.airflow.mail import notifier
    from deptstats.airflow.steward_text import local_time
    from deptstats.audit import deadline_notice

    steward = steward_email()
    if steward is None:
        log.warning(
            "%s",
            render(
                N_("a run missed its deadline, and {setting} names no steward to tell"),
                setting=STEWARD_SETTING,
            ),
        )
        return "no steward"
    run = (context or {}).get("dag_run") or {}
    deadline = ((context or {}).get("deadline") or {}).get("deadline_time")
    dag_id, run_id = run.get("dag_id", ""), run.get("dag_run_id") or run.get("run_id", "")
    subject, body = deadline_notice(
        dag_id=dag_id,
        run_id=run_id,
        logical=local_time(run.get("logical_date") or run.get("run_after")),
        deadline=local_time(deadline.isoformat() if isinstance(deadline, datetime) else deadline),
        state=str(run.get("state", "")),
        link=f"{_base_url()}/dags/{dag_id}/runs/{run_id}",
    )
    await notifier(steward, subject, body, dict(context or {}))
    return steward


def send_notices(dag_id: str, run_id: str, reply: str, logical: datetime | None) -> dict[str, Any]:
    """E-mail each department with refused or late cells of the reply's board (as of the run's
    logical date) that no earlier notice carried. Each notice's items are recorded in the
    transaction that sends it: a failed send records nothing, and a retry or the next run never
    sends a recorded one again. Skipped when the deployment names no contacts file or has no
    deptstats_smtp connection."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException, AirflowSkipException

    from deptstats import pipeline
    from deptstats.airflow.mail import SMTP_CONN_ID
    from deptstats.airflow.steward_text import timezone_name
    from deptstats.airflow.tasks import warehouse_url
    from deptstats.core import ContactsError, load_contacts, load_registry
    from deptstats.warehouse import open_engine

    registry = load_registry()
    try:
        contacts = load_contacts(registry)
    except ContactsError as error:
        raise AirflowFailException(str(error)) from None
    if not contacts:
        raise AirflowSkipException(render(N_("no department contacts (DEPTSTATS_CONTACTS): no notices sent")))
    try:
        Connection.get(SMTP_CONN_ID)
    except AirflowNotFoundException:
        raise AirflowSkipException(
            render(N_("no Airflow connection {conn_id}: no notices sent"), conn_id=SMTP_CONN_ID)
        ) from None
    as_of = (logical or datetime.now(UTC)).astimezone(ZoneInfo(timezone_name())).date()
    base = _base_url()
    link = (lambda batch_id: f"{base}/deptstats/problems/{batch_id}") if base else None
    engine = open_engine(warehouse_url())
    notices, uncontacted = pipeline.department_notices(engine, registry, reply, as_of, contacts, link)
    for department in uncontacted:
        log.warning(
            "%s",
            render(
                N_("{department} has refused or late deliveries but no contact: no notice sent"),
                department=department,
            ),
        )
    return deliver_notices(engine, notices, run_id)


def deliver_notices(engine: Any, notices: list[Any], run_id: str) -> dict[str, Any]:
    """Send each notice, recording its items in the same transaction; every notice is tried,
    then the first failure is raised (the retry sends only those not recorded)."""
    from sqlalchemy.exc import IntegrityError

    from deptstats.airflow.mail import notifier
    from deptstats.warehouse import record_notice_sent

    sent, failed = [], []
    for notice in notices:
        items = [
            {"sha256": i.sha256, "digest": i.digest, "extract": i.extract, "period": i.period}
            for i in notice.items
        ]
        try:
            with engine.begin() as conn:
                record_notice_sent(conn, notice.department, items, notice.to, run_id)
                notifier(notice.to, notice.subject, notice.body).notify({})
        except IntegrityError:  # another run recorded it first, and sent it
            log.info(
                "%s",
                render(N_("{department}: notified by another run meanwhile"), department=notice.department),
            )
            continue
        except Exception as error:
            log.error(
                "%s",
                render(
                    N_("{department}: the notice to {to} was not sent: {error}"),
                    department=notice.department,
                    to=notice.to,
                    error=error,
                ),
            )
            failed.append(error)
            continue
        log.info(
            "%s",
            render(
                N_("{department}: notice sent to {to} ({count} items)"),
                department=notice.department,
                to=notice.to,
                count=len(items),
            ),
        )
        sent.append(notice.department)
    if failed:
        raise failed[0]
    return {"sent": sent}
