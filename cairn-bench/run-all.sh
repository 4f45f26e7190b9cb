#!/usr/bin/env bash
# Runs every Cairn benchmark in order, each bounded, and keeps their output in $OUT (default /tmp/cairn-bench-results).
# About 40 minutes on a 2-core machine, plus the one-time builds of the 10M-event Cairn store (~3 min, 17 GB) and of
# the PostgreSQL lookup table (several minutes). Needs PostgreSQL 15 (OS package `postgresql`) and a JDK >= 21.
# Usage: cairn-bench/run-all.sh [EVENTS]   (EVENTS defaults to 10000000; use fewer when the disk is short)
# PG_EVENTS sets the size of PostgreSQL's lookup table (default 2000000, to keep its one-time load to ~2 minutes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
JAVA_HOME=$("$root/bin/find-jdk")
java="$JAVA_HOME/bin/java"
events=${1:-10000000}
store=/tmp/cairn-bench-$((events / 1000000))m
out=${OUT:-/tmp/cairn-bench-results}
mkdir -p "$out"
(cd "$root" && JAVA_HOME=$JAVA_HOME mvn -B -q -DskipTests -pl cairn-bench,cairn-cli -am package)
# A copy, so that rebuilding the module while the benchmarks run does not change the jar under them.
jar="$out/cairn-bench.jar"
cp "$root/cairn-bench/target/cairn-bench.jar" "$jar"
cp "$root/cairn-cli/target/cairn.jar" "$out/cairn.jar"
{ nproc; free -g; "$java" -version 2>&1; df -h /tmp; } > "$out/machine.txt"

"$java" -Xmx2g -cp "$jar" cairn.bench.ingest.IngestLoad --clients 1,4,8 --seconds 15 --warm-up 5 --rounds 3 \
    | tee "$out/ingest.txt"
"$java" -Xmx2g -cp "$jar" cairn.bench.lookup.HistoryStore "$store" "$events" | tee "$out/store-build.txt"
"$java" -jar "$jar" cairn.bench.lookup.LookupBenchmark -p store="$store" -p events="$events" \
    -wi 1 -w 3 -i 3 -r 3 -rf json -rff "$out/lookup-jmh.json" | tee "$out/lookup-jmh.txt"
"$java" -Xmx1g -cp "$jar" cairn.bench.lookup.HttpLookupLoad --store "$store" --events "$events" \
    --clients 1,4,8 --seconds 10 --warm-up 3 --rounds 3 | tee "$out/lookup-http.txt"
"$java" -Xmx1g -cp "$jar" cairn.bench.postgres.PostgresLookup --events "${PG_EVENTS:-2000000}" \
    --clients 1,4,8 --seconds 10 --warm-up 3 --rounds 3 | tee "$out/lookup-postgresql.txt"
"$java" -jar "$jar" cairn.bench.auth.SigV4Benchmark | tee "$out/sigv4-jmh.txt"
"$java" -Xmx2g -cp "$jar" cairn.bench.delivery.DeliveryLoad --clients 4 --seconds 30 --warm-up 5 --interval 2s \
    --levels 1,6 --rounds 3 | tee "$out/delivery.txt"
"$java" -Xmx2g -cp "$jar" cairn.bench.delivery.DeliveryLoad --store moto --clients 4 --seconds 30 --warm-up 5 \
    --interval 2s --levels 6 --rounds 3 | tee "$out/delivery-s3.txt"
"$java" -Xmx2g -cp "$jar" cairn.bench.validate.ValidateLoad --gigabytes 1 --rounds 3 \
    --cairn-jar "$out/cairn.jar" | tee "$out/validate.txt"
"$java" -Xmx2g -cp "$jar" cairn.bench.validate.ValidateLoad --gigabytes 1 --rounds 3 --max-file-size 256KB \
    --cairn-jar "$out/cairn.jar" | tee "$out/validate-256k.txt"
"$java" -Xmx1g -cp "$jar" cairn.bench.console.HistoryPageLoad --store "$store" --events "$events" --changes 24 \
    --rounds 3 --pages 20 --cli 8 | tee "$out/console-history.txt"
"$java" -Xmx512m -cp "$jar" cairn.bench.console.DownloadLoad --store "$store" --events "$events" --days 3 \
    --rounds 3 --cli-events 5000 | tee "$out/console-download.txt"
echo "results in $out"
