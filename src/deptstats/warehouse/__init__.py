"""The SQL warehouse itself: engines for SQLite and PostgreSQL, the schema and its Alembic
migrations, the dimension tables, the analysts' role, the Airflow connection, the locks that
keep two writers off one period, and the database's faults told in plain words."""

from deptstats.core import lazy_exports

__all__ = [
    "CONN_ID",
    "EXIT_WAREHOUSE_FAULT",
    "SchemaBehind",
    "UploadRecord",
    "WarehouseFault",
    "check_schema",
    "connection_json",
    "current_revision",
    "explanation_of",
    "fault_of",
    "grant_analyst",
    "head_revision",
    "hold",
    "hold_period",
    "metadata_for",
    "metadata_without_extracts",
    "normalize_url",
    "notices_sent",
    "open_engine",
    "record_notice_sent",
    "record_upload",
    "redact",
    "sync_dimensions",
    "upgrade",
    "upload_explanations",
    "url_from_connection",
    "utcnow",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "connections": ["CONN_ID", "connection_json", "url_from_connection"],
        "engine": [
            "metadata_for",
            "metadata_without_extracts",
            "normalize_url",
            "open_engine",
            "redact",
            "utcnow",
        ],
        "faults": ["EXIT_WAREHOUSE_FAULT", "WarehouseFault", "fault_of"],
        "locks": ["hold", "hold_period"],
        "roles": ["grant_analyst"],
        "notice_records": ["notices_sent", "record_notice_sent"],
        "uploads": ["UploadRecord", "explanation_of", "record_upload", "upload_explanations"],
        "schema": [
            "SchemaBehind",
            "check_schema",
            "current_revision",
            "head_revision",
            "sync_dimensions",
            "upgrade",
        ],
    },
)
