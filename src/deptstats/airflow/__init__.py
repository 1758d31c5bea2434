"""Everything that touches Apache Airflow: `tasks`, the module the nightly DAG's task bodies
call, `signoff_tasks`, the sign-off DAG's, and `reload_tasks`, the reload DAG's (scheduled on one
asset per department, which a `.ready` flag or announce_delivery, called by the upload page,
updates); the approval (a human-in-the-loop operator) and
what both DAG files share about the sign-off (the replies' assets, the approvers, the timeout);
`deptstats run` (dag.test() in a local Airflow home); `deptstats airflow up` (the components
started and stopped together, with the LocalExecutor or Celery workers); the UI's logins (FAB's
roles and users, a clerk's department); the stewards' pages served inside the Airflow UI; and
`notices`, the e-mails to the departments and the nightly's deadline."""

from deptstats.core import lazy_exports

__all__ = [
    "DEFAULT_BROKER",
    "NIGHTLY_DAG_ID",
    "READY_FLAG",
    "RELOAD_DAG_ID",
    "SIGNOFF_DAG_ID",
    "NotAnnounced",
    "Settings",
    "SignoffApproval",
    "UploadWiring",
    "announce_delivery",
    "approval_form",
    "approvers",
    "configured_replies",
    "create_app",
    "deadline_alert",
    "department_access",
    "department_asset",
    "department_assets",
    "department_name",
    "department_resource",
    "department_tooltip",
    "extract_name",
    "local_time",
    "make_logins",
    "notices",
    "reload_tasks",
    "replies_alias",
    "reply_asset",
    "reply_param",
    "response_timeout",
    "run_nightly",
    "signoff_tasks",
    "step_name",
    "task_defaults",
    "tasks",
    "timezone_name",
    "up",
    "upload_wiring",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "announce": ["NotAnnounced", "announce_delivery"],
        "approval": ["SignoffApproval", "approval_form"],
        "fab_logins": ["department_access", "department_resource", "make_logins"],
        "display_names": ["department_name", "department_tooltip", "extract_name", "step_name"],
        "local": ["run_nightly"],
        "notices": ["deadline_alert"],
        "reload_assets": ["READY_FLAG", "RELOAD_DAG_ID", "department_asset", "department_assets"],
        "services": ["up"],
        "dag_defaults": ["task_defaults"],
        "settings": ["DEFAULT_BROKER", "Settings"],
        "signoff_settings": [
            "SIGNOFF_DAG_ID",
            "approvers",
            "configured_replies",
            "replies_alias",
            "reload_tasks",
            "reply_asset",
            "reply_param",
            "response_timeout",
        ],
        "steward_text": ["local_time", "timezone_name"],
        "steward_upload": ["UploadWiring", "upload_wiring"],
        "steward_web": ["NIGHTLY_DAG_ID", "create_app"],
    },
    modules=["notices", "reload_tasks", "signoff_tasks", "tasks"],
)
