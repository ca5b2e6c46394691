#!/usr/bin/env bash
# NOT RUN HERE: no Kubernetes cluster was available. The image must hold Java 17, Spark 4.0.x
# (Scala 2.13), the application jar and the Fashion-MNIST files (or read them from hdfs:/s3a:).
set -euo pipefail
spark-submit --master "k8s://https://${K8S_API:?set K8S_API}:6443" --deploy-mode cluster \
  --name metricopt --class org.metricopt.driver.cli.MetricOptMain \
  --conf spark.executor.instances=8 --conf spark.executor.cores=2 --conf spark.task.cpus=1 \
  --conf spark.kubernetes.container.image="${IMAGE:?set IMAGE}" \
  local:///opt/metricopt/metricopt-app.jar run --conf /opt/metricopt/conf/fashion-mnist.conf \
  --set 'pretrain.path="s3a://my-bucket/metricopt/theta"' --run-dir s3a://my-bucket/metricopt/runs/fm-k8s-1
