#!/usr/bin/env bash
# NOT RUN HERE: no YARN cluster was available. The dataset and theta live on HDFS so every
# executor can read them; one core per task keeps results identical to local mode.
set -euo pipefail
hdfs dfs -mkdir -p /metricopt/data
hdfs dfs -put -f /usr/share/datasets/fashion-mnist/*.gz /metricopt/data/
spark-submit --master yarn --deploy-mode cluster \
  --class org.metricopt.driver.cli.MetricOptMain \
  --num-executors 8 --executor-cores 4 --executor-memory 6g --conf spark.task.cpus=1 \
  --files conf/fashion-mnist.conf \
  deploy/target/metricopt-app.jar run --conf fashion-mnist.conf \
  --set 'data.root="hdfs:///metricopt/data"' --set 'pretrain.path="hdfs:///metricopt/theta"' \
  --run-dir hdfs:///metricopt/runs/fm-yarn-1
