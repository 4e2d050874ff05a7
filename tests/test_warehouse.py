"""Tables over job outputs (jobs.warehouse), run by Spark SQL with Hive support."""
import bz2
import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import example, given, settings, strategies as st

from conftest import INPUTS, ROOT, run_job
from jobs import warehouse
from jobs.pageviews import HOURLY_LINE, Malformed, parse_pageview
from test_fuzz import hostile
from jobs.mr_domain_views import MRDomainViews
from jobs.mr_page_views import MRPageViews
from jobs.mr_top_pages import MRTopPages

RECORD = {'job': 'MRDomainViews', 'runner': 'local', 'finished': 'now',
          'columns': [{'name': 'domain', 'type': 'bytes'}, {'name': 'views', 'type': 'bigint'}]}


def test_athena_reads_a_folder_and_hive_takes_the_location_as_given():
    hive = warehouse.table_ddl(RECORD, 'hive', 'dv', 's3://b/out/dv')
    athena = warehouse.table_ddl(RECORD, 'athena', 'dv', 's3://b/out/dv')
    assert "LOCATION 's3://b/out/dv'\n" in hive and "LOCATION 's3://b/out/dv/'\n" in athena
    assert hive.replace("dv'", "dv/'") == athena
    assert '`domain` STRING,\n  `views` BIGINT\n' in hive


def test_the_athena_ddl_parses_as_athena_sql():
    import sqlglot
    from sqlglot import exp
    record = dict(RECORD, columns=RECORD['columns'] + [{'name': 'title', 'type': 'string'}])
    for text, table, columns in [
            (warehouse.table_ddl(record, 'athena', 'dv', 's3://b/out/dv'), 'dv',
             [('domain', 'STRING'), ('views', 'BIGINT'), ('title', 'STRING')]),
            (warehouse.dumps_ddl('athena', 'pv', 's3://b/dumps').split(';')[0], 'pv',
             [('domain', 'STRING'), ('title', 'STRING'), ('views', 'STRING'), ('bytes', 'STRING')])]:
        create, = sqlglot.parse(text, read='athena', error_level=sqlglot.ErrorLevel.RAISE)
        assert isinstance(create, exp.Create) and create.args['kind'] == 'TABLE'
        assert create.this.this.name == table
        assert [(c.name, c.args['kind'].sql('hive')) for c in create.this.expressions] == columns
        location = create.find(exp.LocationProperty).this.name
        assert location == 's3://b/%s/' % ('out/dv' if table == 'dv' else 'dumps')


def test_an_output_without_a_run_record_is_a_one_line_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        warehouse.main(['ddl', str(tmp_path)])
    assert str(e.value).startswith('warehouse: error: cannot read %s/_mrtally.json' % tmp_path)
    # one from before the run record named its columns
    (tmp_path / '_mrtally.json').write_text('{"job": "mr_page_views"}')
    with pytest.raises(SystemExit) as e:
        warehouse.main(['ddl', str(tmp_path)])
    assert str(e.value) == ('warehouse: error: %s/_mrtally.json names no columns'
                            ' (written by an older mrtally?)' % tmp_path)


SPARK_SQL = r'''
import json, sys
from pyspark.sql import SparkSession
tmp, statements, queries = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
spark = (SparkSession.builder.master('local[1]').appName('warehouse-test')
         .config('spark.ui.enabled', 'false')
         .config('spark.sql.warehouse.dir', tmp + '/warehouse')
         .config('spark.hadoop.javax.jdo.option.ConnectionURL',
                 'jdbc:derby:;databaseName=%s/metastore_db;create=true' % tmp)
         .config('spark.driver.extraJavaOptions', '-Dderby.system.home=%s' % tmp)
         .enableHiveSupport().getOrCreate())
spark.sparkContext.setLogLevel('ERROR')
for statement in statements:
    spark.sql(statement)
print(json.dumps([[list(row) for row in spark.sql(q).collect()] for q in queries]))
spark.stop()
'''


def spark_sql(tmp_path, statements, queries):
    done = subprocess.run(
        [sys.executable, '-c', SPARK_SQL, str(tmp_path), json.dumps(statements), json.dumps(queries)],
        cwd=tmp_path, capture_output=True, env=dict(os.environ, SPARK_LOCAL_IP='127.0.0.1'))
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_hive_tables_over_job_outputs_answer_what_the_jobs_answer(tmp_path):
    outputs = {}
    for name, job_class, args in [('page_views', MRPageViews, []),
                                  ('domain_views', MRDomainViews, []),
                                  ('top_pages', MRTopPages, ['--top', '5'])]:
        out = tmp_path / name
        rows, _ = run_job(job_class, ['--output-dir', out, *args, INPUTS / 'pageviews'])
        outputs[name] = [row.split(b'\t') for row in rows]
    ddl = []
    for name in outputs:
        done = subprocess.run([sys.executable, '-m', 'jobs.warehouse', 'ddl', '--dialect', 'hive',
                               str(tmp_path / name)], cwd=ROOT, capture_output=True, check=True)
        ddl.append(done.stdout.decode().rstrip().rstrip(';'))
    counts, domains, top = spark_sql(tmp_path, ddl, [
        'SELECT count(*), sum(views) FROM page_views',
        'SELECT domain, views, distinct_titles FROM domain_views',
        # the design's question: the top pages, from every page's views
        'SELECT views FROM page_views ORDER BY views DESC LIMIT 5'])
    pages = outputs['page_views']
    assert counts == [[len(pages), sum(int(v) for _, _, v in pages)]]
    # domains are ASCII here: every row as the job wrote it
    assert sorted(domains) == sorted([d.decode(), int(v), int(t)] for d, v, t in outputs['domain_views'])
    # the files beside the parts (_SUCCESS, _mrtally.json, _manifest.json) are not rows
    assert [v for v, in top] == [int(v) for _, _, v in outputs['top_pages']]


@given(st.one_of(hostile, st.lists(st.sampled_from([b'en', b'T', b'\xcc', b'0', b'9' * 19, b'1']), min_size=4,
                                   max_size=4).map(b' '.join)))
@settings(max_examples=500, deadline=None)
def test_the_sql_line_rule_is_the_jobs_rule(line):
    line = line.replace(b'\n', b'').rstrip(b'\r')     # a line as an engine's reader hands it
    try:
        domain, title, views, hourly = parse_pageview(line)
        counted = hourly is None
    except Malformed:
        counted = False
    match = HOURLY_LINE.fullmatch(line)
    assert counted == bool(match and int(match.group(3)) <= 2 ** 63 - 1)


@given(st.one_of(hostile, st.lists(st.sampled_from([b'en', b'T', b'null', b'7', b'desktop', b'mobile-app',
                                                    b'A1', b'B2X3', b'a1', b'3', b'9' * 19, b'\xcc']),
                                   min_size=6, max_size=6).map(b' '.join)))
@example(b'en T null desktop 3 A1B2')
@example(b'en T 7 mobile-app 3 A1')
@example(b'en T 7 desktop 1 a1')
@example(b'en T 7 desktop 99999999999999999999 A99999999999999999999')
@settings(max_examples=500, deadline=None)
def test_the_sql_daily_line_rule_is_the_jobs_rule_less_the_sum(line):
    line = line.replace(b'\n', b'').rstrip(b'\r')
    try:
        counted = parse_pageview(line)[3] is not None
        reason = None
    except Malformed as e:
        counted, reason = False, str(e)
    match = warehouse.DUMPS['pageviews-complete'][2].fullmatch(line)
    in_view = bool(match and int(match.group(5)) <= 2 ** 63 - 1)
    assert in_view == (counted or reason == 'hourly counts do not add up to daily total')


def test_a_table_over_raw_dumps_answers_what_the_jobs_answer(tmp_path):
    hours = sorted(str(p) for p in (INPUTS / 'pageviews').glob('pageviews-*0000.gz'))
    laid = tmp_path / 'dumps'
    subprocess.run([sys.executable, '-m', 'jobs.warehouse', 'lay-out', str(laid), *hours],
                   cwd=ROOT, check=True, capture_output=True)
    assert sorted(p.relative_to(laid).parts[:4] for p in laid.rglob('*.gz')) == [
        ('year=2024', 'month=1', 'day=1', 'hour=%d' % h) for h in (0, 1)]
    ddl = subprocess.run([sys.executable, '-m', 'jobs.warehouse', 'ddl', '--dumps', 'pageviews',
                          '--location', laid.as_uri()], cwd=ROOT, check=True, capture_output=True)
    statements = [s.strip() for s in ddl.stdout.decode().split(';') if s.strip()]
    top, domains, lines = spark_sql(tmp_path, statements, [
        # the design's queries: the top pages, and views and distinct pages per domain
        'SELECT domain, sum(views) AS v FROM pageviews_valid GROUP BY domain, title'
        ' ORDER BY v DESC LIMIT 10',
        'SELECT domain, sum(views), count(DISTINCT title) FROM pageviews_valid GROUP BY domain',
        'SELECT count(*) FROM pageviews_valid'])
    expected_top, _ = run_job(MRTopPages, ['--top', '10', *hours])
    assert [v for _, v in top] == [int(row.split(b'\t')[2]) for row in expected_top]
    expected_domains, counters = run_job(MRDomainViews, hours)
    assert sorted(domains) == sorted([d.decode(), int(v), int(t)] for d, v, t in
                                     (row.split(b'\t') for row in expected_domains))
    assert lines == [[counters['pageviews', 'lines counted']]]


def test_a_table_over_daily_dumps_counts_the_lines_of_their_shape(tmp_path):
    daily = INPUTS / 'pageviews' / 'pageviews-20240101-user.bz2'
    laid = tmp_path / 'complete'
    assert warehouse.lay_out(str(laid), [str(daily)]) == 1
    assert [p.relative_to(laid).parts for p in laid.rglob('*.bz2')] == [
        ('year=2024', 'month=1', 'day=1', daily.name)]
    ddl = subprocess.run([sys.executable, '-m', 'jobs.warehouse', 'ddl', '--dumps', 'pageviews-complete',
                          '--location', laid.as_uri()], cwd=ROOT, check=True, capture_output=True)
    statements = [s.strip() for s in ddl.stdout.decode().split(';') if s.strip()]
    domains, = spark_sql(tmp_path, statements, [
        'SELECT domain, sum(views), count(DISTINCT title) FROM pageviews_complete_valid'
        ' GROUP BY domain'])
    # a second reading of the shape: 6 fields, views that fit a BIGINT, hours not added up
    from reference import _SIX
    shaped = [m for m in map(_SIX.fullmatch, bz2.decompress(daily.read_bytes()).split(b'\n'))
              if m and int(m[3]) < 2 ** 63]
    expected = {}
    for m in shaped:
        views, titles = expected.get(m[1].decode(), (0, set()))
        expected[m[1].decode()] = (views + int(m[3]), titles | {m[2]})
    assert sorted(domains) == sorted([d, v, len(t)] for d, (v, t) in expected.items())
    # the one rule SQL does not check: the jobs skip those lines, and only those
    added_up = [m for m in shaped if sum(map(int, re.findall(rb'[0-9]+', m[4]))) == int(m[3])]
    assert len(added_up) < len(shaped)
    rows, counters = run_job(MRDomainViews, [daily])
    assert counters['pageviews', 'lines counted'] == len(added_up)
    assert sum(int(row.split(b'\t')[1]) for row in rows) == sum(int(m[3]) for m in added_up)


def test_the_streamed_hourly_files_get_the_same_table(aws, tmp_path):
    from ingest.consumer import Consumer, Leases, LocalSink
    from test_consumer import source_events, stream_with
    events = source_events(limit=3000)
    stream_with(aws, 'to-hive', events)
    leases = Leases(aws('dynamodb'), 'to-hive-leases', 'me')
    leases.create_table()
    Consumer(aws('kinesis'), leases, 'to-hive', LocalSink(str(tmp_path / 'streamed'))).run(idle_exit=1)
    streamed = sorted(str(p) for p in (tmp_path / 'streamed').glob('*.gz'))
    laid = tmp_path / 'dumps'
    assert warehouse.lay_out(str(laid), streamed) == len(streamed)
    statements = [s.strip() for s in warehouse.dumps_ddl('hive', 'pageviews', laid.as_uri()).split(';')
                  if s.strip()]
    pages, = spark_sql(tmp_path, statements, [
        'SELECT hour, count(*), sum(views) FROM (SELECT hour, domain, title, sum(views) AS views'
        ' FROM pageviews_valid GROUP BY hour, domain, title) GROUP BY hour'])
    rows, _ = run_job(MRPageViews, [tmp_path / 'streamed'])
    assert sum(n for _, _, n in pages) == len(events) == sum(int(r.split(b'\t')[2]) for r in rows)
    assert sorted(h for h, _, _ in pages) == [0, 1]
