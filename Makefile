PYTHON    ?= python3
VENV      ?= .venv
OUT       ?= out
RUNNER    ?= inline
PAGEVIEWS ?= inputs/pageviews
BILLS     ?= inputs/bills
PYTEST_ARGS ?=
# make run-emr JOB=mr_top_pages INPUT=s3://bucket/pageviews/ OUTPUT=s3://bucket/out/top/ ARGS='--top 50'
JOB       ?= mr_page_views
INPUT     ?=
OUTPUT    ?=
ARGS      ?=
# make fetch-pageviews START=2024-01-01T00 END=2024-01-01T23 [DATASET=pageviews-complete]
START     ?=
END       ?=
DATASET   ?= pageviews
# make fetch-bills CONGRESS=113 TYPES='hr s'
CONGRESS  ?= 113
TYPES     ?= hr
DATA      ?= data
# make report: views per hour of hourly dumps and of daily files, as far as PAGEVIEWS
# holds each (expanded when the report runs, after run-local)
HOURS_ARGS = $(if $(wildcard $(OUT)/hourly_views),--hours $(OUT)/hourly_views) \
	$(if $(wildcard $(OUT)/daily_hourly_views),--daily-hours $(OUT)/daily_hourly_views)

# The bench has a venv of its own, with what run-local installs and the
# contenders: with pyspark there (make test installs it), mrjob imports it and
# numpy at every launch, 0.16 s that run-local users do not pay.
BENCH_VENV ?= .venv-bench

# Hadoop in local mode, for -r hadoop -c emr/hadoop-local.conf and the tests: jars from Maven
# Central (hadoop/pom.xml), a launcher and its configuration; git-ignored.
HADOOP_DIR ?= .hadoop
MVN       ?= mvn
# kinesis-mock (package.json), for the tests of resharding, which moto gets wrong
NPM       ?= npm

# The EMR nodes' Python, 3.9 (emr/mrjob.conf): a test runs the jobs on it, if this machine has it
# (pyenv's, as on this project's machines; or python3.9 on the PATH)
PYTHON39  ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.9*/bin/python3.9) \
	$(shell command -v python3.9 2>/dev/null))
VENV39    ?= .venv39

BIN := $(VENV)/bin
BENCH_BIN := $(BENCH_VENV)/bin

.PHONY: run-local report warehouse run-stream run-emr fetch-pageviews fetch-bills bench bench-quick bench-engines bench-stream hadoop test clean

# The requirements (and extras) that setup.cfg names, but not the jobs package
# itself: tasks must import it from what mrjob ships with each job, as they do
# on a cluster, or a missing upload would pass here and fail there.
REQUIREMENTS = $(PYTHON) -c 'import configparser, sys; c = configparser.ConfigParser(); \
	c.read("setup.cfg"); print(c["options"]["install_requires"], \
	*(c["options.extras_require"][x] for x in sys.argv[1:]))'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run: setup.cfg | $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check $$($(REQUIREMENTS))
	touch $@

$(VENV)/.report: setup.cfg | $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check $$($(REQUIREMENTS) report)
	touch $@

$(VENV)/.warehouse: setup.cfg | $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check $$($(REQUIREMENTS) warehouse)
	touch $@

# python -m jobs.warehouse load needs a PostgreSQL client library
warehouse: $(VENV)/.warehouse

$(VENV)/.stream: setup.cfg | $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check $$($(REQUIREMENTS) ingest standin)
	touch $@

# dumps replayed over HTTP through Kinesis (moto's, on 127.0.0.1) into hourly files, counted
run-stream: $(VENV)/.stream
	$(BIN)/python -m ingest.run_stream $(PAGEVIEWS) --out $(OUT)/streamed

$(BENCH_BIN)/python:
	$(PYTHON) -m venv $(BENCH_VENV)

$(BENCH_VENV)/.bench: setup.cfg | $(BENCH_BIN)/python
	$(BENCH_BIN)/python -m pip install -q --disable-pip-version-check $$($(REQUIREMENTS) bench)
	touch $@

$(VENV)/.test: setup.cfg | $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check $$($(REQUIREMENTS) test standin ingest spark report)
	touch $@

# what the EMR nodes have: emr/requirements.txt and mrjob (which mrjob ships to them)
$(VENV39)/.run: setup.cfg emr/requirements.txt
	$(PYTHON39) -m venv $(VENV39)
	$(VENV39)/bin/python -m pip install -q --disable-pip-version-check -r emr/requirements.txt \
		$$(grep -o 'mrjob==[^ ]*' setup.cfg)
	touch $@

run-local: $(VENV)/.run
	$(BIN)/python -m jobs.run_all --runner $(RUNNER) --out $(OUT) \
		--pageviews $(PAGEVIEWS) --bills $(BILLS)

report: run-local $(VENV)/.report
	$(BIN)/python -m jobs.report --words $(OUT)/bill_word_freq --pages $(OUT)/top_pages \
		--domains $(OUT)/domain_views $(HOURS_ARGS) --out $(OUT)/report

run-emr: $(VENV)/.run
	@test -n "$(INPUT)" -a -n "$(OUTPUT)" || { echo 'usage: make run-emr JOB=mr_page_views INPUT=s3://... OUTPUT=s3://... [ARGS=...]'; exit 2; }
	$(BIN)/python -m jobs.$(JOB) -r emr -c emr/mrjob.conf --output-dir $(OUTPUT) $(ARGS) $(INPUT)

fetch-pageviews: $(VENV)/.run
	@test -n "$(START)" -a -n "$(END)" || { echo 'usage: make fetch-pageviews START=YYYY-MM-DDTHH END=YYYY-MM-DDTHH [DATASET=...]'; exit 2; }
	$(BIN)/python -m jobs.fetch pageviews --dataset $(DATASET) --start $(START) --end $(END) \
		--dest $(DATA)/$(DATASET)/ $(ARGS)

fetch-bills: $(VENV)/.run
	$(BIN)/python -m jobs.fetch bills --congress $(CONGRESS) $(foreach t,$(TYPES),--type $(t)) \
		--dest $(DATA)/bills/ $(ARGS)

# BENCH_ARGS='--lines 2000000 --repeat 5' to change sizes; the data is cached in bench/data/
bench: $(BENCH_VENV)/.bench
	$(BENCH_BIN)/python bench/run.py $(BENCH_ARGS)

bench-quick: $(BENCH_VENV)/.bench
	$(BENCH_BIN)/python bench/run.py --quick

# our jobs on -r spark and -r hadoop beside a PySpark DataFrame query and the local runner:
# Spark and Hadoop as make test installs them
bench-engines: $(BENCH_VENV)/.bench $(VENV)/.test hadoop
	$(BENCH_BIN)/python bench/run.py --groups pageviews,engines $(BENCH_ARGS)

# the beacon under wrk (Debian's wrk package) and the consumer, on loopback; bench/STREAM.md
$(VENV)/.stream-bench: setup.cfg | $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check $$($(REQUIREMENTS) ingest standin stream-bench)
	touch $@

bench-stream: $(VENV)/.stream-bench
	@command -v wrk >/dev/null || { echo 'make bench-stream needs wrk: apt-get install wrk'; exit 2; }
	$(BIN)/python bench/stream.py $(BENCH_ARGS)

# The jars land in lib.new and move in whole, so an interrupted fetch is fetched again;
# paths.conf (mrjob's settings with this checkout's absolute paths) is written last.
$(HADOOP_DIR)/paths.conf: hadoop/pom.xml hadoop/hadoop.sh hadoop/conf/* hadoop/src/mrtally/*.java
	rm -rf $(HADOOP_DIR)/lib.new
	$(MVN) -q -B -Dstyle.color=never -f hadoop/pom.xml dependency:copy-dependencies -DincludeScope=runtime \
		-DoutputDirectory=$(abspath $(HADOOP_DIR))/lib.new
	rm -rf $(HADOOP_DIR)/lib $(HADOOP_DIR)/conf && mv $(HADOOP_DIR)/lib.new $(HADOOP_DIR)/lib
	mkdir -p $(HADOOP_DIR)/bin && cp -r hadoop/conf $(HADOOP_DIR)/conf
	cp hadoop/hadoop.sh $(HADOOP_DIR)/bin/hadoop
	ln -sf $$(cd $(HADOOP_DIR)/lib && ls hadoop-streaming-*.jar) $(HADOOP_DIR)/lib/hadoop-streaming.jar
	# byte-exact lines for Spark (see TallyJob); Java 11 bytecode runs on every Spark 3.5 JVM
	rm -rf $(HADOOP_DIR)/classes && javac -nowarn --release 11 -d $(HADOOP_DIR)/classes \
		-cp '$(HADOOP_DIR)/lib/*' hadoop/src/mrtally/*.java
	jar cf $(HADOOP_DIR)/mrtally-io.jar -C $(HADOOP_DIR)/classes .
	printf '%s\n' '# Written by make hadoop: where this checkout keeps Hadoop. See emr/hadoop-local.conf.' \
		'runners:' '  hadoop:' \
		'    hadoop_bin: $(abspath $(HADOOP_DIR))/bin/hadoop' \
		'    hadoop_streaming_jar: $(abspath $(HADOOP_DIR))/lib/hadoop-streaming.jar' \
		'    hadoop_tmp_dir: file://$(abspath $(HADOOP_DIR))/tmp/mrjob' \
		'    python_bin: $(abspath $(BIN))/python' > $@

hadoop: $(HADOOP_DIR)/paths.conf

node_modules/.package-lock.json: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --loglevel=error

test: $(VENV)/.test hadoop node_modules/.package-lock.json $(if $(PYTHON39),$(VENV39)/.run)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(OUT) .pytest_cache
