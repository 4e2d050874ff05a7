"""Every job gives byte-identical output on every runner: inline, local, Hadoop
(local mode, real Hadoop Streaming), Spark (local[2]) and EMR (the stand-in,
whose steps run on real Hadoop from what the runner put in S3)."""
import subprocess

import pytest

import reference
from conftest import EMR_BUCKET, INPUTS, ROOT, run_job, run_on_emr, sample_reference
from jobs.mr_bill_word_freq import MRBillWordFreq
from jobs.mr_domain_views import MRDomainViews
from jobs.mr_hourly_views import MRHourlyViews
from jobs.mr_pack_bills import MRPackBills
from jobs.mr_page_views import MRPageViews
from jobs.mr_top_pages import MRTopPages
from local_hadoop import hadoop_args

RUNNERS = ['inline', 'local', 'hadoop', 'spark', 'emr']
# Spark has no whole-file input (mapper_raw): it reads bills packed, not loose
WHOLE_FILES = [r for r in RUNNERS if r != 'spark']

CASES = [
    (MRPageViews, ['--exclude-prefix', 'Special:'], 'pageviews', RUNNERS),
    (MRTopPages, ['--top', '5', '--per-domain'], 'pageviews', RUNNERS),
    (MRTopPages, ['--top', '20'], 'pageviews', RUNNERS),
    (MRDomainViews, ['--min-views', '10'], 'pageviews', RUNNERS),
    (MRHourlyViews, ['--domain', 'en', '--domain', 'de.wikipedia', '--domain', 'en.m'],
     'pageviews', RUNNERS),
    (MRBillWordFreq, [], 'bills', WHOLE_FILES),
    (MRBillWordFreq, ['--packed'], 'packed', RUNNERS),
    (MRPackBills, [], 'bills', WHOLE_FILES),
]


def run_on(runner, job_class, args, inputs, local_input, emr, spark, monkeypatch, tmp_path):
    """Output lines and counters of one run."""
    if runner == 'emr':
        output_dir = 's3://%s/out/agree/%s/' % (EMR_BUCKET, tmp_path.parent.name)
        with run_on_emr(emr, monkeypatch, job_class, args, inputs + '/', output_dir) as run:
            return run[0], {}   # counters live in the step logs, which are not read
    switches = {'hadoop': hadoop_args(), 'spark': spark}.get(runner, [])
    return run_job(job_class, [*switches, *args, local_input], runner=runner)


@pytest.mark.parametrize('job_class, args, inputs, runners', CASES,
                         ids=[' '.join([c[0].__name__, *c[1]]) for c in CASES])
def test_every_runner_gives_the_same_bytes(job_class, args, inputs, runners, packed_bills,
                                           emr, spark, monkeypatch, tmp_path):
    local_input = packed_bills if inputs == 'packed' else INPUTS / inputs
    results = {r: run_on(r, job_class, args, inputs, local_input, emr, spark, monkeypatch,
                         tmp_path / r)
               for r in runners}
    inline, counters = results['inline']
    assert inline
    for runner, (lines, _) in results.items():
        assert lines == inline, runner
    # the job's own counters agree wherever they are read (per-file ones are
    # the local runners' alone: Hadoop caps a job's counters at 120)
    ours = {'pageviews', 'bills'}
    for runner in ('local', 'hadoop', 'spark'):
        if runner in results:
            theirs = results[runner][1]
            assert ({k: n for k, n in theirs.items() if k[0] in ours}
                    == {k: n for k, n in counters.items() if k[0] in ours}), runner


def test_titles_keep_their_bytes_on_every_runner(emr, spark, monkeypatch, tmp_path):
    # a CP1251 title from pagecounts-raw, a lone \xff, and UTF-8
    dump = tmp_path / 'in' / 'pagecounts-20110101-000000'
    dump.parent.mkdir()
    dump.write_bytes(b'ru \xc4\xe8\xf5\xeb 4 0\nen \xff 2 0\nen Caf\xc3\xa9 3 0\nen \xff 1 0\n')
    emr.client('s3').upload_file(str(dump), EMR_BUCKET, 'inputs/bytes/' + dump.name)
    # views descending, then domain and title as bytes: C (0x43) before \xff
    expected = [b'ru\t\xc4\xe8\xf5\xeb\t4', b'en\tCaf\xc3\xa9\t3', b'en\t\xff\t3']
    for runner in RUNNERS:
        lines, _ = run_on(runner, MRPageViews, [], 'bytes', dump.parent, emr, spark,
                          monkeypatch, tmp_path / runner)
        assert lines == expected, runner


@pytest.fixture(scope='module')
def many_keys(tmp_path_factory):
    """Three hourly dumps holding about 5,800 distinct pages (and a few bad
    lines), far more than the tiny budget below."""
    import random
    from conftest import write_dump
    rng = random.Random(15)
    directory = tmp_path_factory.mktemp('many-keys')
    for hour in range(3):
        lines = [b'%s P%d_%s %d 0' % (rng.choice([b'en', b'de', b'fr.m']), rng.randrange(2500),
                                       rng.choice([b'a', b'b']), rng.randint(1, 40))
                 for _ in range(4000)]
        lines[rng.randrange(4000)] = b'en Broken_line'
        write_dump(directory / ('pageviews-20240101-%02d0000.gz' % hour), lines)
    return directory


# jobs, their switches, their answer worked out apart, and a budget below their keys:
# about 5,800 pages; MRHourlyViews keys by hour and domain, 9 keys
BUDGET_CASES = [
    (MRPageViews, [], lambda records: reference.sorted_rows(reference.page_views(records)), 1000),
    (MRTopPages, ['--top', '20'],
     lambda records: reference.sorted_rows(reference.page_views(records))[:20], 1000),
    (MRDomainViews, [], reference.domain_rows, 1000),
    (MRHourlyViews, [], reference.hourly_rows, 3),
]


@pytest.mark.parametrize('job_class, args, expected, budget', BUDGET_CASES,
                         ids=[' '.join([c[0].__name__, *c[1]]) for c in BUDGET_CASES])
def test_a_tiny_memory_budget_gives_the_same_output_on_every_runner(
        job_class, args, expected, budget, many_keys, emr, spark, monkeypatch, tmp_path):
    records, bad = sample_reference(many_keys)
    assert bad == 3 and len(reference.page_views(records)) > 5000
    want = expected(records)
    assert run_job(job_class, [*args, many_keys])[0] == want      # no budget
    for name in sorted(p.name for p in many_keys.iterdir()):
        emr.client('s3').upload_file(str(many_keys / name), EMR_BUCKET, 'inputs/many-keys/' + name)
    # on MRPageViews only: EMR's steps run the Hadoop above, from S3
    runners = RUNNERS if job_class is MRPageViews else [r for r in RUNNERS if r != 'emr']
    for runner in runners:
        lines, counters = run_on(runner, job_class, [*args, '--max-keys', str(budget)], 'many-keys',
                                 many_keys, emr, spark, monkeypatch, tmp_path / runner)
        assert lines == want, runner
        if counters:
            # map tasks flushed; on the local runners a reducer's partition
            # (half the pages) was summed in parts too (1,024 partitions on a
            # cluster each fit)
            assert counters['memory', 'map task flushes'] >= 2, runner
            if runner in ('inline', 'local'):
                assert counters['memory', 'partitions summed in parts'] >= 1, runner


# make test makes it where this machine has Python 3.9 (the Makefile's PYTHON39)
PYTHON39 = ROOT / '.venv39' / 'bin' / 'python'
PY39_CASES = [(*case[:2], 'many-keys', case[2], case[3]) for case in BUDGET_CASES] + [
    (MRBillWordFreq, [], 'bills', None, None),
    (MRBillWordFreq, ['--packed'], 'packed', None, None),
]


@pytest.mark.skipif(not PYTHON39.exists(), reason='no Python 3.9 here (make test makes .venv39)')
@pytest.mark.parametrize('job_class, args, inputs, expected, budget', PY39_CASES,
                         ids=[' '.join([c[0].__name__, *c[1]]) for c in PY39_CASES])
def test_the_emr_nodes_python_gives_the_same_output(job_class, args, inputs, expected, budget,
                                                    many_keys, packed_bills):
    """The jobs on Python 3.9 with only what the EMR nodes install
    (emr/requirements.txt, and mrjob), on the local runner: the pageview
    jobs with a budget below their keys (flushes and spills, in bulk)."""
    local_input = {'many-keys': many_keys, 'packed': packed_bills}.get(inputs, INPUTS / inputs)
    if budget:
        want = expected(sample_reference(many_keys)[0])
        args = [*args, '--max-keys', str(budget)]
    else:
        want = run_job(job_class, [*args, local_input])[0]
    done = subprocess.run([str(PYTHON39), '-m', job_class.__module__, '--no-conf', '-r', 'local',
                           '--num-cores', '2', *args, str(local_input)],
                          cwd=ROOT, capture_output=True)
    assert done.returncode == 0, done.stderr.decode(errors='replace')[-3000:]
    assert want and done.stdout.splitlines() == want
