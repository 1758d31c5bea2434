"""The warehouse: its schema (bookkeeping tables plus one table per extract, from the
registry) and engines for SQLite (WAL, the embedded default) and PostgreSQL."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    make_url,
)

from deptstats.core import TYPES, Extract, Registry, non_negative_setting
from deptstats.warehouse.notice_tables import notice_tables
from deptstats.warehouse.signoff_tables import signoff_tables
from deptstats.warehouse.upload_tables import upload_tables

SQLITE_BUSY_TIMEOUT_MS = 60_000  # a SQLite writer waits this long for another (env may lower it)
LOCK_TIMEOUT_SECONDS = 300  # a PostgreSQL load waits this long for another of its period
APPLICATION_NAME = "deptstats"  # how a connection shows in pg_stat_activity, unless told


def sqlite_busy_timeout_ms() -> int:
    """How long a SQLite writer waits for another ($DEPTSTATS_SQLITE_BUSY_TIMEOUT_MS)."""
    return int(non_negative_setting("DEPTSTATS_SQLITE_BUSY_TIMEOUT_MS", SQLITE_BUSY_TIMEOUT_MS))


def lock_timeout_seconds() -> float:
    """How long a PostgreSQL load waits for another load of the same extract and period
    ($DEPTSTATS_LOCK_TIMEOUT_SECONDS) before it gives up, retryably."""
    return non_negative_setting("DEPTSTATS_LOCK_TIMEOUT_SECONDS", LOCK_TIMEOUT_SECONDS)


EXACT = Numeric(30, 10)


def utcnow() -> datetime:
    """Wall-clock time for audit columns only; no logic depends on it."""
    return datetime.now(UTC).replace(tzinfo=None)


def _dimensions(metadata: MetaData) -> None:
    """Reference data for analysts, kept in step with the registry by deptstats.warehouse.schema."""
    Table(
        "dim_department",
        metadata,
        Column("department", String(32), primary_key=True),
        Column("name", Text, nullable=False),
        Column("name_en", Text, nullable=False),
        comment="the five departments that deliver extracts",
    )
    Table(
        "dim_extract",
        metadata,
        Column("extract", String(64), primary_key=True),
        Column("department", String(32), nullable=False),
        Column("name", Text, nullable=False),
        Column("period_kind", String(8), nullable=False, comment="year or month"),
        Column("kind", String(8), nullable=False, comment="flow or snapshot"),
        Column("grain", Text, nullable=False),
        Column(
            "table_name", String(128), nullable=False, comment="the warehouse table of its published rows"
        ),
        comment="the extracts of the data dictionary",
    )
    Table(
        "dim_area",
        metadata,
        Column("area", String(32), primary_key=True),
        Column("is_citywide", Boolean, nullable=False),
        Column("sort_order", Integer, nullable=False),
        comment="the 17 areas of the reference list and 全市 (citywide)",
    )
    Table(
        "dim_period",
        metadata,
        Column("period", String(7), primary_key=True),
        Column("kind", String(8), nullable=False, comment="year or month"),
        Column("first_day", Date, nullable=False),
        Column("last_day", Date, nullable=False),
        comment="every period with published data",
    )
    Table(
        "dim_indicator",
        metadata,
        Column("indicator", String(64), primary_key=True),
        Column("extract", String(64), nullable=False),
        Column("department", String(32), nullable=False),
        Column("name", Text, nullable=False),
        Column("name_en", Text, nullable=False),
        Column("unit", String(16), nullable=False),
        Column("decimals", Integer, nullable=False),
        Column("definition", Text, nullable=False),
        Column("sql_file", Text, nullable=False, comment="under include/sql"),
        comment="the indicators and how each is computed",
    )


def _bookkeeping(metadata: MetaData) -> None:
    """Each delivered content of a file and each attempt to load it."""
    Table(
        "delivery",
        metadata,
        Column("delivery_id", Integer, primary_key=True),
        Column("file", Text, nullable=False, comment="path under the landing folder"),
        Column("sha256", String(64), nullable=False),
        Column("extract", String(64)),
        Column("period", String(7)),
        Column("size_bytes", Integer, nullable=False),
        Column("row_count", Integer),
        Column(
            "status",
            String(16),
            nullable=False,
            comment="published, rejected, skipped, or superseded by a newer delivery",
        ),
        Column("errors", Integer, nullable=False, default=0),
        Column("warnings", Integer, nullable=False, default=0),
        Column("message", Text),
        Column("batch_id", Integer, comment="the load batch that last processed the file"),
        Column("first_seen_at", String(26), nullable=False),
        Column("last_seen_at", String(26), nullable=False),
        UniqueConstraint("file", "sha256"),
        comment="one row per distinct content of a delivered file, with its latest outcome",
    )
    Table(
        "load_batch",
        metadata,
        Column("batch_id", Integer, primary_key=True),
        Column("delivery_id", ForeignKey("delivery.delivery_id"), nullable=False),
        Column("extract", String(64), nullable=False),
        Column("period", String(7), nullable=False),
        Column("run_id", Text, comment="the Airflow run (or CLI run) that loaded it"),
        Column("outcome", String(16), nullable=False, comment="published or rejected"),
        Column("row_count", Integer),
        Column(
            "reference_batch_id",
            Integer,
            comment="cross-extract rule: the referenced publication checked against",
        ),
        Column("started_at", String(26), nullable=False),
        Column("finished_at", String(26), nullable=False),
        comment="one attempt to load a delivered file",
    )


def _validations(metadata: MetaData) -> None:
    """Each GX run of a batch, each expectation's outcome, every failing row."""
    Table(
        "validation_run",
        metadata,
        Column("validation_id", Integer, primary_key=True),
        Column("batch_id", ForeignKey("load_batch.batch_id"), nullable=False, unique=True),
        Column("suite", String(128), nullable=False),
        Column("success", Boolean, nullable=False),
        Column("expectations", Integer, nullable=False),
        Column("failed_expectations", Integer, nullable=False),
        Column("errors", Integer, nullable=False),
        Column("warnings", Integer, nullable=False),
        Column("docs_page", Text, comment="GX Data Docs page of this validation, if built"),
        Column("validated_at", String(26), nullable=False),
        comment="the Great Expectations run of a load batch",
    )
    Table(
        "validation_outcome",
        metadata,
        Column("validation_id", ForeignKey("validation_run.validation_id"), primary_key=True),
        Column("seq", Integer, primary_key=True),
        Column("expectation", String(128), nullable=False),
        Column("column_name", String(64)),
        Column("severity", String(8), nullable=False),
        Column("rule", Text, nullable=False),
        Column("success", Boolean, nullable=False),
        Column("element_count", Integer),
        Column("unexpected_count", Integer),
        comment="each expectation's result in a validation run",
    )
    Table(
        "problem",
        metadata,
        Column("problem_id", Integer, primary_key=True),
        Column("batch_id", ForeignKey("load_batch.batch_id"), nullable=False),
        Column("delivery_id", ForeignKey("delivery.delivery_id"), nullable=False),
        Column("file", Text, nullable=False),
        Column("sha256", String(64), nullable=False),
        Column("row_number", Integer, comment="as the steward sees it in the file"),
        Column("column_name", String(64)),
        Column("value", Text, comment="the cell as delivered"),
        Column("rule", Text, nullable=False),
        Column("severity", String(8), nullable=False),
        Column("row_key", Text, comment="the row's id or area as delivered (null before 0007)"),
        Column(
            "other_column",
            String(128),
            comment="a rule between two columns: the other (another extract's as extract.column)",
        ),
        Column("other_value", Text, comment="the other column's cell in the row, as delivered"),
        Column(
            "rule_code",
            String(64),
            comment="the rule broken (deptstats.core.messages); 'legacy': shown as its stored rule",
        ),
        Column("params", Text, comment="the rule's parameters as JSON (the column, the allowed set ...)"),
        Index("ix_problem_batch", "batch_id"),
        comment="quarantine: every failing row (or file-level rule) of a validation",
    )


def _publications(metadata: MetaData) -> None:
    """What each run did with each file, what is published, and the indicators."""
    Table(
        "delivery_outcome",
        metadata,
        Column("run_id", String(250), primary_key=True, comment="the Airflow run (or CLI run)"),
        Column("delivery_id", ForeignKey("delivery.delivery_id"), primary_key=True),
        Column("status", String(16), nullable=False, comment="published, rejected or skipped in that run"),
        Column(
            "batch_id",
            ForeignKey("load_batch.batch_id"),
            comment="the batch of that outcome; null for a file refused unread",
        ),
        Column("message", Text),
        Column("recorded_at", String(26), nullable=False),
        comment="what each run last did with each file it saw (a cleared task replaces it)",
    )
    Table(
        "publication",
        metadata,
        Column("extract", String(64), primary_key=True),
        Column("period", String(7), primary_key=True),
        Column("batch_id", ForeignKey("load_batch.batch_id"), nullable=False),
        Column("delivery_id", ForeignKey("delivery.delivery_id"), nullable=False),
        Column("row_count", Integer, nullable=False),
        Column("warnings", Integer, nullable=False),
        Column("published_at", String(26), nullable=False),
        comment="the load batch whose rows are current for an extract and period",
    )
    Table(
        "indicator_value",
        metadata,
        Column("indicator", String(64), nullable=False),
        Column("period", String(7), nullable=False),
        Column("area", String(32), comment="null: citywide"),
        Column("value", EXACT),
        Column("value_text", String(40), comment="the exact rounded value"),
        Column("numerator", EXACT),
        Column("denominator", EXACT),
        Column("display", String(40)),
        Column("status", String(16), nullable=False, comment="final, or flagged by warnings"),
        Column("batch_id", ForeignKey("load_batch.batch_id"), nullable=False),
        Column("sql_file", String(128), nullable=False),
        Column("note", Text, comment="why the value is flagged, for reviewers"),
        Column("computed_at", String(26), nullable=False),
        Index("ix_indicator_value", "indicator", "period"),
        comment="indicator values per period, citywide (area null) and per area",
    )


def _history(metadata: MetaData) -> None:
    """What each publication gave and changed, kept after later batches replace it."""
    Table(
        "indicator_history",
        metadata,
        Column("batch_id", ForeignKey("load_batch.batch_id"), primary_key=True),
        Column("indicator", String(64), primary_key=True),
        Column("area_key", String(32), primary_key=True, comment="the area, or '' for citywide (area null)"),
        Column("period", String(7), nullable=False),
        Column("area", String(32), comment="null: citywide"),
        Column("value_text", String(40), comment="the exact rounded value"),
        Column("numerator", EXACT),
        Column("denominator", EXACT),
        Column("display", String(40)),
        Column("sql_file", String(128), nullable=False),
        Column("computed_at", String(26), nullable=False),
        comment="each indicator value as first computed from a published batch; kept after "
        "the batch is replaced",
    )
    Table(
        "publication_change",
        metadata,
        Column("batch_id", ForeignKey("load_batch.batch_id"), primary_key=True),
        Column("replaced_batch_id", ForeignKey("load_batch.batch_id"), nullable=False),
        Column(
            "rows_added", Integer, comment="rows only in the new publication; null: not counted (too large)"
        ),
        Column(
            "rows_removed", Integer, comment="rows only in the replaced one; an edited row counts in both"
        ),
        comment="a publication that replaced an earlier one of the same extract and period",
    )


def _extract_table(metadata: MetaData, extract: Extract) -> Table:
    """Published rows. No key or foreign key: a batch's rows are written by one COPY inside
    the transaction that creates the batch, and the audit before the commit checks them
    (per-row key and reference checks tripled the time of a million-row load). On PostgreSQL
    the period index is BRIN: a period's rows are written together, and a B-tree on period
    cost the COPY more than a second per million rows."""
    columns = [
        Column("period", String(7), nullable=False),
        Column("source_row", Integer, nullable=False, comment="row number in the source file"),
        Column("batch_id", Integer, nullable=False, comment="load_batch of the publication"),
    ]
    columns += [Column(c.name, TYPES[c.type].sql_type(), comment=c.label) for c in extract.columns]
    return Table(
        extract.table,
        metadata,
        *columns,
        Index(f"ix_{extract.table}_period", "period", postgresql_using="brin"),
        comment=f"{extract.name}: {extract.grain}",
    )


def _tables_of_every_warehouse(metadata: MetaData) -> MetaData:
    _bookkeeping(metadata)
    _validations(metadata)
    _publications(metadata)
    _history(metadata)
    signoff_tables(metadata)
    upload_tables(metadata)
    notice_tables(metadata)
    _dimensions(metadata)
    return metadata


def build_metadata(registry: Registry) -> MetaData:
    metadata = _tables_of_every_warehouse(MetaData())
    for extract in registry.extracts:
        _extract_table(metadata, extract)
    return metadata


@cache
def metadata_without_extracts() -> MetaData:
    """The tables every warehouse has whatever its registry (deliveries, batches, outcomes,
    validations, publications, figures, sign-off, uploads, dimensions), for code that reads no extract's
    table."""
    return _tables_of_every_warehouse(MetaData())


# registry id -> (the registry, kept so its id is never reused, and its metadata)
_METADATA: dict[int, tuple[Registry, MetaData]] = {}


def metadata_for(registry: Registry) -> MetaData:
    """The warehouse's tables for a registry, built once per registry."""
    if id(registry) not in _METADATA:
        _METADATA[id(registry)] = (registry, build_metadata(registry))
    return _METADATA[id(registry)][1]


def normalize_url(url: str) -> str:
    """SQLAlchemy URL; a bare path means a SQLite file, postgresql:// means psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def redact(url: str) -> str:
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


def open_engine(url: str, write: bool = True, application_name: str | None = None) -> Engine:
    """An engine for the warehouse. SQLite: WAL so readers never wait for the loader, a busy
    timeout, and (for writers) BEGIN IMMEDIATE so concurrent writers queue instead of failing
    mid-transaction. PostgreSQL: connections named `application_name` (else
    $DEPTSTATS_APPLICATION_NAME, else deptstats), so a load waiting for a lock can name the
    holder."""
    url = normalize_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        name = application_name or os.environ.get("DEPTSTATS_APPLICATION_NAME") or APPLICATION_NAME
        # PostgreSQL keeps 63 bytes of it
        name = name.encode()[:63].decode(errors="ignore")
        return create_engine(url, pool_pre_ping=True, connect_args={"application_name": name})
    engine = create_engine(url)
    busy_timeout_ms = sqlite_busy_timeout_ms()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy's begin below decide
        cursor = dbapi_connection.cursor()
        cursor.execute(f"pragma busy_timeout = {busy_timeout_ms}")
        cursor.execute("pragma journal_mode = wal")
        cursor.execute("pragma foreign_keys = on")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("begin immediate" if write else "begin")

    return engine
