"""What each run did with each file it saw (table delivery_outcome): the steward's view of one
run is read from here, so it still holds after later runs have seen the same files."""

from __future__ import annotations

from sqlalchemy import Engine, bindparam, delete, insert, select

from deptstats.publish.loading import FileOutcome
from deptstats.warehouse import hold, metadata_without_extracts, utcnow


def record_outcomes(engine: Engine, run_id: str, outcomes: list[FileOutcome]) -> None:
    """In one transaction, with as many statements for 20,000 outcomes as for one when their
    delivery rows are known (FileOutcome.delivery_id)."""
    if not outcomes:
        return
    tables = metadata_without_extracts().tables
    delivery, outcome_table = tables["delivery"], tables["delivery_outcome"]
    now = utcnow().isoformat()
    with engine.begin() as conn:
        # two loads in one run (the same run id) record what they did in turn
        hold(conn, f"delivery_outcome/{run_id}", f"the outcomes of run {run_id}")
        earlier = dict(
            conn.execute(
                select(outcome_table.c.delivery_id, outcome_table.c.batch_id).where(
                    outcome_table.c.run_id == run_id
                )
            ).all()
        )
        rows: dict[int, dict] = {}
        for outcome in outcomes:
            delivery_id = (
                outcome.delivery_id
                or conn.execute(
                    select(delivery.c.delivery_id).where(
                        delivery.c.file == outcome.file, delivery.c.sha256 == outcome.sha256
                    )
                ).scalar()
            )
            if delivery_id is None:  # nothing was recorded of the file (a crash)
                continue
            if (
                delivery_id in earlier
                and outcome.batch_id is not None
                and earlier[delivery_id] == outcome.batch_id
            ):
                continue  # seen again within the run: what its batch did still stands
            rows[delivery_id] = {
                "run_id": run_id,
                "delivery_id": delivery_id,
                "status": outcome.status,
                "batch_id": outcome.batch_id,
                "message": outcome.message,
                "recorded_at": now,
            }
        # a task cleared and run again within the run replaces what it said of the file
        replaced = [{"replaced_id": d} for d in rows if d in earlier]
        if replaced:
            conn.execute(
                delete(outcome_table).where(
                    outcome_table.c.run_id == run_id, outcome_table.c.delivery_id == bindparam("replaced_id")
                ),
                replaced,
            )
        if rows:
            conn.execute(insert(outcome_table), list(rows.values()))
