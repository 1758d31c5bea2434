"""Everything that touches Apache Airflow: `tasks`, the module the nightly DAG's task bodies
call; `deptstats run` (dag.test() in a local Airflow home); `deptstats airflow up` (the
components started and stopped together, with the LocalExecutor or Celery workers); the UI's
logins; and the stewards' pages served inside the Airflow UI."""

from deptstats.core import lazy_exports

__all__ = ["DEFAULT_BROKER", "Settings", "create_app", "run_nightly", "tasks", "up"]

__getattr__ = lazy_exports(
    __name__,
    {
        "local": ["run_nightly"],
        "services": ["up"],
        "settings": ["DEFAULT_BROKER", "Settings"],
        "steward_web": ["create_app"],
    },
    modules=["tasks"],
)
