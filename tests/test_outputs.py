"""--output-dir as Hadoop keeps it, on every runner (jobs/outputs.py)."""
import json
import os
import subprocess
import sys

import pytest

from conftest import INPUTS, ROOT, run_cli, run_job
from jobs.mr_bill_word_freq import MRBillWordFreq
from jobs.mr_domain_views import MRDomainViews
from jobs.mr_hourly_views import MRHourlyViews
from jobs.mr_pack_bills import MRPackBills
from jobs.mr_page_views import MRPageViews
from local_hadoop import hadoop_args


def output_files(directory):
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_a_run_writes_its_files_record_and_success(runner, tmp_path):
    out = tmp_path / 'out'
    run_job(MRPageViews, ['--output-dir', out, INPUTS / 'pageviews'], runner=runner)
    names = output_files(out)
    assert names[:3] == ['_SUCCESS', '_manifest.json', '_mrtally.json'] and names[3].startswith('part-')
    check_manifest(out, str(out))
    # nothing is left beside it
    assert output_files(tmp_path) == ['out']


def check_manifest(out, prefix):
    """The Redshift COPY manifest in ``out`` names each part file, by its
    place ``prefix/NAME``, with its size, as mandatory."""
    manifest = json.loads((out / '_manifest.json').read_text())
    parts = sorted(p for p in out.iterdir() if p.name.startswith('part-'))
    assert manifest == {'entries': [
        {'url': '%s/%s' % (prefix, p.name), 'mandatory': True,
         'meta': {'content_length': p.stat().st_size}} for p in parts]}


@pytest.mark.parametrize('job_class, args', [
    (MRPageViews, [INPUTS / 'pageviews']), (MRDomainViews, [INPUTS / 'pageviews']),
    (MRHourlyViews, [INPUTS / 'pageviews']), (MRBillWordFreq, [INPUTS / 'bills']),
    (MRPackBills, [INPUTS / 'bills'])])
def test_the_run_record_names_every_column(job_class, args, tmp_path):
    out = tmp_path / 'out'
    lines, _ = run_job(job_class, ['--output-dir', out, *args])
    columns = json.loads((out / '_mrtally.json').read_text())['columns']
    assert {len(line.split(b'\t')) for line in lines} == {len(columns)}
    assert all(c['type'] in ('string', 'bytes', 'bigint') for c in columns)
    for line in lines:
        for field, column in zip(line.split(b'\t'), columns):
            if column['type'] == 'bigint':
                assert field.isdigit()
            elif column['type'] == 'string':
                field.decode('utf-8')


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_an_existing_output_directory_is_refused_in_one_line(runner, tmp_path):
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'part-00001').write_bytes(b'en\tNot_From_This_Run\t1\n')
    done = run_cli('mr_page_views', '-r', runner, '--output-dir', out, INPUTS / 'pageviews')
    assert done.returncode == 2
    assert done.stderr.decode().strip().splitlines()[-1].endswith(
        'error: output directory %s exists and is not empty (--overwrite replaces it)' % out)
    assert output_files(out) == ['part-00001']

    # --overwrite replaces it whole: the old part file is gone
    done = run_cli('mr_page_views', '-r', runner, '--overwrite', '--output-dir', out,
                   INPUTS / 'pageviews')
    assert done.returncode == 0
    fresh, _ = run_job(MRPageViews, [INPUTS / 'pageviews'])
    parts = [p for p in sorted(out.iterdir()) if p.name.startswith('part-')]
    assert b''.join(p.read_bytes() for p in parts).splitlines() == fresh
    assert b'Not_From_This_Run' not in b''.join(p.read_bytes() for p in parts)


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_a_failed_run_leaves_no_output_and_no_temporary_files(runner, tmp_path):
    (tmp_path / 'in').mkdir()
    (tmp_path / 'in' / 'hr1-113-ih.xml').write_bytes(b'<not-a-bill/>')
    (tmp_path / 'tmp').mkdir()
    done = subprocess.run([sys.executable, '-m', 'jobs.mr_bill_word_freq', '-r', runner, '--strict',
                           '--output-dir', tmp_path / 'out', tmp_path / 'in'], cwd=ROOT,
                          capture_output=True, env=dict(os.environ, TMPDIR=str(tmp_path / 'tmp')))
    assert done.returncode == 1
    assert output_files(tmp_path) == ['in', 'tmp']
    # mrjob keeps a failed run's temporary files unless told otherwise
    assert output_files(tmp_path / 'tmp') == []


def test_readers_refuse_output_without_success(tmp_path):
    out = tmp_path / 'packed'
    out.mkdir()
    (out / 'part-00000').write_bytes(b'')
    done = run_cli('mr_bill_word_freq', '--packed', out)
    assert done.returncode == 2
    assert b'is the output of a job that did not finish (no _SUCCESS)' in done.stderr
    report = subprocess.run([sys.executable, '-m', 'jobs.report', '--words', out,
                             '--out', tmp_path / 'r'], cwd=ROOT, capture_output=True)
    assert report.returncode != 0
    assert report.stderr.decode().strip().endswith('has no _SUCCESS: the job that wrote it did not finish')


def test_on_hadoop_too(tmp_path):
    out = tmp_path / 'out'
    run_job(MRBillWordFreq, hadoop_args('--output-dir', 'file://%s' % out, INPUTS / 'bills'),
            runner='hadoop')
    names = output_files(out)
    assert '_SUCCESS' in names and '_mrtally.json' in names
    # and again: refused in one line, not with Hadoop's stack trace
    done = run_cli('mr_bill_word_freq', '-r', 'hadoop', *hadoop_args(), '--output-dir',
                   'file://%s' % out, INPUTS / 'bills')
    assert done.returncode == 2
    assert b'exists and is not empty (--overwrite replaces it)' in done.stderr
    assert b'FileAlreadyExistsException' not in done.stderr


def test_on_spark_too(tmp_path):
    out = tmp_path / 'out'
    done = subprocess.run(
        [sys.executable, '-m', 'jobs.mr_page_views', '-r', 'spark', '-c', 'emr/mrjob.conf',
         '--spark-master', 'local[2]', '--spark-args=--conf', '--spark-args=spark.ui.enabled=false',
         '--output-dir', 'file://%s' % out, INPUTS / 'pageviews'],
        cwd=ROOT, capture_output=True, env=dict(os.environ, SPARK_LOCAL_IP='127.0.0.1'))
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    # Hadoop's local filesystem, which Spark writes through, adds .crc files
    names = [n for n in output_files(out) if not n.startswith('.')]
    assert names[:3] == ['_SUCCESS', '_manifest.json', '_mrtally.json'] and names[3].startswith('part-')
    check_manifest(out, 'file://%s' % out)
    rows, _ = run_job(MRPageViews, [INPUTS / 'pageviews'])
    assert b''.join((out / n).read_bytes() for n in names[3:]).splitlines() == rows
