# deptstats on the official Airflow image, with exactly the versions CI tests (constraints.txt).
# Every Airflow component and every Celery worker runs this one image (docker-compose.yaml).
FROM apache/airflow:3.3.2-python3.11

# The package and its locked dependencies, Celery extra included. Installed as the airflow user,
# as the image expects; apache-airflow itself is pinned to the image's version by the lock.
COPY --chown=airflow:0 constraints.txt pyproject.toml README.md /opt/deptstats/
COPY --chown=airflow:0 src /opt/deptstats/src
RUN pip install --no-cache-dir -c /opt/deptstats/constraints.txt "/opt/deptstats[celery]"

# DAGs, plugins and the data dictionary, SQL and reply templates (deptstats looks for include/
# under DEPTSTATS_HOME).
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins
COPY --chown=airflow:0 include /opt/airflow/include
ENV DEPTSTATS_HOME=/opt/airflow \
    GX_ANALYTICS_ENABLED=false
