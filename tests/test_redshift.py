"""The Redshift script (jobs.redshift), run on a real PostgreSQL through its one
PostgreSQL layer, against the jobs' own outputs."""
import subprocess
import sys

import psycopg
import pytest
import sqlglot
from hypothesis import given, strategies as st

from conftest import INPUTS, ROOT, run_job, write_dump
from jobs import redshift, warehouse
from jobs.mr_domain_views import MRDomainViews
from jobs.mr_hourly_views import MRHourlyViews
from jobs.mr_page_views import MRPageViews
from jobs.mr_top_pages import MRTopPages

HOURS = sorted(INPUTS.joinpath('pageviews').glob('pageviews-*0000.gz'))


def load(postgres, output, table):
    done = subprocess.run([sys.executable, '-m', 'jobs.warehouse', 'load', '--postgres', postgres,
                           '--table', table, str(output)], cwd=ROOT, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    return done.stderr.decode()


def query(postgres, sql):
    with psycopg.connect(postgres) as connection:
        return connection.execute(sql).fetchall()


@pytest.mark.parametrize('text, loaded', [
    (b'en Main_Page 1 0\n', b'en Main_Page 1 0\n'),
    (b'Caf\xe9\n', b'Caf?\n'),                       # Latin-1: one byte, one '?'
    (b'\xe2\x82 x\n', b'?? x\n'),                    # a cut-short 3-byte sequence: two bytes, two
    (b'\xff\xfe\xc3\xa9\n', '??\u00e9\n'.encode()),  # valid bytes after them are kept
])
def test_invalid_bytes_load_as_one_question_mark_each(text, loaded):
    assert redshift.accept_invalid(text) == (loaded, text != loaded)


@given(st.binary())
def test_what_accept_invalid_loads_is_utf8_of_the_same_length(text):
    loaded, changed = redshift.accept_invalid(text)
    assert len(loaded) == len(text) and loaded.decode('utf-8') is not None
    assert changed == (loaded != text)


def test_the_postgresql_layer_differs_only_in_redshift_clauses(tmp_path):
    run_job(MRPageViews, ['--output-dir', tmp_path / 'pv', *HOURS])
    record = warehouse.read_record(str(tmp_path / 'pv'))
    entries = [dict(url='s3://b/pv/part-00000', mandatory=True, meta=dict(content_length=1))]
    ours = redshift.load_script(record, entries, 'pv', 's3://b/pv', redshift.Redshift(),
                                manifest_url='s3://b/pv/_manifest.json')
    theirs = redshift.load_script(record, entries, 'pv', 's3://b/pv', redshift.PostgresAsRedshift())
    rs, pg = redshift.Redshift(), redshift.PostgresAsRedshift()
    table = rs.table_attributes('MRPageViews')
    assert 'DISTKEY (title)' in table and 'SORTKEY (domain, title)' in table
    # the same script but for the layer's four clauses, the query Redshift alone has among them
    same = [s.replace(table, '').replace(rs.now(), pg.now()).rstrip() for s in ours
            if not s.startswith('--') or 'CREATE TABLE' in s]
    assert [s for s in same if 'COPY' not in s and 'stl_' not in s] == \
        [s.rstrip() for s in theirs if not s.startswith('COPY')]
    copy, = [s for s in ours if 'COPY pv_stage' in s]
    assert "FROM 's3://b/pv/_manifest.json'\nMANIFEST" in copy
    for clause in ("DELIMITER '\\t'", "NULL AS '\\0'", "ACCEPTINVCHARS AS '?'", 'MAXERROR 0'):
        assert clause in copy
    assert 'ESCAPE' not in copy and 'REMOVEQUOTES' not in copy
    # Redshift's own statements parse as Redshift SQL
    for statement in ours:
        if statement.startswith(('CREATE', 'DELETE', 'INSERT')):
            assert sqlglot.parse_one(statement, read='redshift') is not None


def test_outputs_load_with_the_jobs_rows_and_sums(tmp_path, postgres):
    for name, job_class, args, columns in [
            ('page_views', MRPageViews, [], 'domain, title, views'),
            ('domain_views', MRDomainViews, [], 'domain, views, distinct_titles'),
            ('top_pages', MRTopPages, ['--top', '7'], 'domain, title, views'),
            ('hourly_views', MRHourlyViews, [], 'hour, domain, views')]:
        out, name = tmp_path / name, 'jobs_' + name     # other tests load tables of these names
        rows, _ = run_job(job_class, ['--output-dir', out, *args, *HOURS])
        expected = sorted(tuple(f.decode() for f in row.split(b'\t')) for row in rows)
        note = load(postgres, out, name)
        assert note.startswith('warehouse: loaded %d rows from 1 file into %s;' % (len(rows), name))
        loaded = query(postgres, 'SELECT %s FROM %s' % (columns, name))
        # ASCII titles and numbers here: every row exactly as the job wrote it
        assert sorted(tuple(str(v) for v in row) for row in loaded) == expected
        (files,), = query(postgres, "SELECT count(*) FROM mrtally_loaded_files WHERE table_name = '%s'"
                          % name)
        assert files == 1


def test_loading_twice_leaves_the_same_rows_and_runs_add_up(tmp_path, postgres):
    first, second = tmp_path / 'hour0', tmp_path / 'hour1'
    rows0, _ = run_job(MRPageViews, ['--output-dir', first, HOURS[0]])
    rows1, _ = run_job(MRPageViews, ['--output-dir', second, HOURS[1]])
    views = lambda rows: sum(int(r.split(b'\t')[2]) for r in rows)
    load(postgres, first, 'pv_runs')
    summed = 'SELECT count(*), sum(views) FROM pv_runs'
    assert query(postgres, summed) == [(len(rows0), views(rows0))]
    note = load(postgres, first, 'pv_runs')
    assert '(replacing %d loaded before)' % len(rows0) in note
    assert query(postgres, summed) == [(len(rows0), views(rows0))]
    load(postgres, second, 'pv_runs')
    assert query(postgres, summed) == [(len(rows0) + len(rows1), views(rows0) + views(rows1))]
    assert query(postgres, 'SELECT count(*) FROM mrtally_loaded_files WHERE table_name = '
                           "'pv_runs'") == [(2,)]


def test_titles_keep_their_backslashes_and_invalid_bytes_are_counted(tmp_path, postgres):
    dump = write_dump(tmp_path / 'pageviews-20240101-000000.gz', [
        b'en Caf\xe9 3 0', b'en Caf\xc3\xa9 2 0', b'en Caf\xff 1 0',
        b'en \\N 4 0', b'en a\\tb 5 0', b"en it's 6 0"])
    run_job(MRPageViews, ['--output-dir', tmp_path / 'out', dump])
    note = load(postgres, tmp_path / 'out', 'odd_titles')
    # worked out by hand: two titles of Latin-1 bytes become 'Caf?' (one row each)
    assert "6 rows from 1 file into odd_titles; 2 held bytes that are not UTF-8, loaded as '?'" in note
    assert sorted(query(postgres, 'SELECT title, views FROM odd_titles')) == [
        ('Caf?', 1), ('Caf?', 3), ('Café', 2), ('\\N', 4), ('a\\tb', 5), ("it's", 6)]


def test_a_changed_output_fails_the_load_and_leaves_the_table_as_it_was(tmp_path, postgres):
    out = tmp_path / 'out'
    rows, _ = run_job(MRPageViews, ['--output-dir', out, HOURS[0]])
    load(postgres, out, 'pv_changed')
    with open(out / 'part-00000', 'ab') as f:
        f.write(b'en Added\t1\n')
    done = subprocess.run([sys.executable, '-m', 'jobs.warehouse', 'load', '--postgres', postgres,
                           '--table', 'pv_changed', str(out)], cwd=ROOT, capture_output=True)
    assert done.returncode == 1
    assert done.stderr.decode().startswith('warehouse: error: ') and 'its manifest says' in \
        done.stderr.decode() and len(done.stderr.splitlines()) == 1
    assert query(postgres, 'SELECT count(*) FROM pv_changed') == [(len(rows),)]


def test_redshift_reads_s3_only(tmp_path):
    run_job(MRDomainViews, ['--output-dir', tmp_path / 'dv', HOURS[0]])
    done = subprocess.run([sys.executable, '-m', 'jobs.warehouse', 'ddl', '--dialect', 'redshift',
                           str(tmp_path / 'dv')], cwd=ROOT, capture_output=True)
    assert done.returncode == 1 and done.stderr.startswith(b'warehouse: error: Redshift reads from S3')
    done = subprocess.run([sys.executable, '-m', 'jobs.warehouse', 'ddl', '--dialect', 'redshift',
                           '--location', 's3://b/dv/', str(tmp_path / 'dv')], cwd=ROOT,
                          capture_output=True, check=True)
    script = done.stdout.decode()
    # a copied output's manifest names where it was written: COPY reads the prefix
    assert "FROM 's3://b/dv/part-'\n" in script and 'MANIFEST' not in script
    assert "'s3://b/dv/part-00000'" in script and 'DISTSTYLE ALL' in script
