"""Everything that touches Apache Airflow: `tasks`, the module the nightly DAG's task bodies
call, and `signoff_tasks`, the sign-off DAG's; the approval (a human-in-the-loop operator) and
what both DAG files share about the sign-off (the replies' assets, the approvers, the timeout);
`deptstats run` (dag.test() in a local Airflow home); `deptstats airflow up` (the components
started and stopped together, with the LocalExecutor or Celery workers); the UI's logins (FAB's
roles and users, a clerk's department); and the stewards' pages served inside the Airflow UI."""

from deptstats.core import lazy_exports

__all__ = [
    "DEFAULT_BROKER",
    "NIGHTLY_DAG_ID",
    "SIGNOFF_DAG_ID",
    "Settings",
    "SignoffApproval",
    "approval_form",
    "approvers",
    "configured_replies",
    "create_app",
    "department_access",
    "department_name",
    "department_resource",
    "department_tooltip",
    "extract_name",
    "make_logins",
    "replies_alias",
    "reply_asset",
    "reply_param",
    "response_timeout",
    "run_nightly",
    "signoff_tasks",
    "step_name",
    "tasks",
    "up",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "approval": ["SignoffApproval", "approval_form"],
        "fab_logins": ["department_access", "department_resource", "make_logins"],
        "display_names": ["department_name", "department_tooltip", "extract_name", "step_name"],
        "local": ["run_nightly"],
        "services": ["up"],
        "settings": ["DEFAULT_BROKER", "Settings"],
        "signoff_settings": [
            "SIGNOFF_DAG_ID",
            "approvers",
            "configured_replies",
            "replies_alias",
            "reply_asset",
            "reply_param",
            "response_timeout",
        ],
        "steward_web": ["NIGHTLY_DAG_ID", "create_app"],
    },
    modules=["signoff_tasks", "tasks"],
)
