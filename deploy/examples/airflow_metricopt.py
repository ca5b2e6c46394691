# NOT RUN HERE: no Airflow was available. A daily DAG; {{ ds_nodash }} makes the run id stable per
# day, so a cleared-and-rerun task resumes the same run instead of starting over.
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="metricopt_meta_training",
    start_date=datetime(2026, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
) as dag:
    BashOperator(
        task_id="meta_train_and_test",
        bash_command=(
            "spark-submit --master yarn --deploy-mode cluster "
            "--class org.metricopt.driver.cli.MetricOptMain "
            "/opt/metricopt/metricopt-app.jar run --conf /opt/metricopt/conf/fashion-mnist.conf "
            "--run-dir hdfs:///metricopt/runs/daily-{{ ds_nodash }}"
        ),
        retries=2,
    )
