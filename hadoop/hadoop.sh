#!/bin/sh
# A `hadoop` command for Hadoop in local mode (LocalJobRunner over file:///), from the jars that
# `make hadoop` fetched beside it. It serves what mrjob's Hadoop runner calls: version, fs and jar.
home=$(cd "$(dirname "$0")/.." && pwd)
conf=${HADOOP_CONF_DIR:-$home/conf}
cp="$conf:$home/lib/*"
case "$1" in
  version) class=org.apache.hadoop.util.VersionInfo; level=ERROR ;;
  # mrjob reads `fs` stderr to tell a missing path from a failure: nothing else may be there
  fs) class=org.apache.hadoop.fs.FsShell; level=ERROR ;;
  # mrjob reads the job id, progress and counters from the client's INFO lines
  jar) class=org.apache.hadoop.util.RunJar; level=INFO ;;
  classpath) echo "$cp"; exit 0 ;;
  *) echo "usage: hadoop version|fs|jar|classpath ... (local mode, from make hadoop)" >&2; exit 2 ;;
esac
shift
# Tasks run python3 and hadoop from PATH, as on a cluster node: here, the project's venv and
# this launcher.
PATH="$home/bin:$home/../.venv/bin:$PATH"
export PATH
# One-shot JVMs: start fast (client compiler, serial GC, no perf data file in /tmp).
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData ${HADOOP_OPTS:-} \
  -Dmrtally.hadoop.home="$home" -Dhadoop.root.logger="${HADOOP_ROOT_LOGGER:-$level,console}" \
  -Dlog4j.configuration="file:$conf/log4j.properties" \
  -cp "$cp" $class "$@"
