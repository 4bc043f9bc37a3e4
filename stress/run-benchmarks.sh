#!/usr/bin/env bash
# Reproduces the tables of docs/benchmarks.md ("Kernel and anchors"): builds the kernel and
# stress/target/benchmarks.jar, then runs every JMH benchmark (the implementations the targets compare
# in 5 rounds; about 14 minutes on 2 cores) and the cross-checks (about 4 more), and writes the Markdown
# tables to stress/target/benchmarks-report.md.
# Extra arguments go to RunBenchmarks (e.g. --iterations=10 --sizes=10,1000).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl kernel -am install -DskipTests
mvn -B -q -pl stress package -DskipTests
out=stress/target/benchmarks-report.md
java -Djmh.ignoreLock=true -cp stress/target/benchmarks.jar dev.tablease.stress.bench.RunBenchmarks --out="$out" "$@"
{
  echo
  echo "#### CPU time per cycle, 1 thread (cross-check, load-independent)"
  echo
  java -Xms1g -Xmx1g -XX:+AlwaysPreTouch -cp stress/target/benchmarks.jar dev.tablease.stress.bench.CycleCpuTime
  echo
  echo "#### Throughput at 1, 2 and 8 threads, interleaved rounds (cross-check)"
  echo
  java -Xms1g -Xmx1g -XX:+AlwaysPreTouch -cp stress/target/benchmarks.jar dev.tablease.stress.bench.CycleThroughput 9 1000
  echo
  echo "#### CPU time per input, 1 thread (cross-check, load-independent)"
  echo
  java -Xms1g -Xmx1g -cp stress/target/benchmarks.jar dev.tablease.stress.bench.InputCpuTime
} | tee -a "$out"
echo "report: $out"
