"""What the pageview jobs' map tasks send and their reducers sum."""
import json
import os
import subprocess
import sys
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from mrjob.parse import parse_mr_job_stderr

from conftest import ROOT, run_job, write_dump
from jobs.mr_page_views import MRPageViews
from jobs.pageview_job import PART_SHARE, by_partition, sum_rows
from jobs.rows import SEP
from jobs.spill import BASE_MB, Budget

PARTITIONS_OF = """
import json, sys
from jobs.pageview_job import by_partition
views = {key.encode(): n for n, key in enumerate(json.loads(sys.argv[1]))}
print(json.dumps({key.decode(): p for p, (keys, _) in enumerate(by_partition(views, 7))
                  for key in keys}))
"""


def test_by_partition_keeps_counts_with_their_keys():
    views = {b'en A': 1, b'en B': 2, b'de X': 3, b'fr Q': 4}
    parts = by_partition(views, 3)
    assert len(parts) == 3
    assert sorted(key for keys, _ in parts for key in keys) == sorted(views)
    assert all(counts == [views[key] for key in keys] for keys, counts in parts)


def test_by_partition_is_the_same_in_every_process():
    # tasks are processes, each with its own seed for Python's hash()
    keys = ['en P%d' % i for i in range(200)]
    seen = []
    for seed, order in (('1', keys), ('2', keys[::-1])):
        result = subprocess.run([sys.executable, '-c', PARTITIONS_OF, json.dumps(order)], cwd=ROOT,
                                env=dict(os.environ, PYTHONHASHSEED=seed), capture_output=True,
                                check=True)
        seen.append(json.loads(result.stdout))
    assert seen[0] == seen[1]
    assert len(set(seen[0].values())) == 7


def test_sum_rows_by_hand():
    records = [b'en A 2' + SEP + b'de X 1', b'en A 5']
    assert sum_rows(records) == {b'en A': 7, b'de X': 1}


def test_a_partition_past_its_budget_is_summed_in_disjoint_parts():
    from jobs.pageview_job import as_dict, summed_parts
    # 3 records of 400 rows over 500 keys: key i has views 3 * i over the three
    records = [SEP.join(b'k%d %d' % (i % 500, i % 500) for i in range(j * 400, j * 400 + 400))
               for j in range(3)]
    whole = {}
    for i in range(1200):
        whole[b'k%d' % (i % 500)] = whole.get(b'k%d' % (i % 500), 0) + i % 500
    assert [as_dict(*part) for part in summed_parts(records)] == [whole]   # no budget: one part
    assert [as_dict(*part) for part in summed_parts(records, Budget(max_keys=1000))] == [whole]  # it fits
    parts = [as_dict(*part) for part in summed_parts(records, Budget(max_keys=60))]
    assert len(parts) > 1 and all(len(part) <= PART_SHARE * 60 for part in parts)
    merged = {}
    for part in parts:
        assert not set(part) & set(merged)                              # a key in one part
        merged.update(part)
    assert merged == whole


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 120), st.integers(0, 9)), min_size=1, max_size=40),
                max_size=30),
       st.integers(4, 150))
def test_summed_parts_hold_every_row_once_whatever_the_budget(records, max_keys):
    from jobs.pageview_job import as_dict, summed_parts
    whole = Counter()
    for record in records:
        for key, n in record:
            whole[b'k%d' % key] += n
    records = [SEP.join(b'k%d %d' % row for row in record) for record in records]
    merged = {}
    for part in summed_parts(records, Budget(max_keys=max_keys)):
        part = as_dict(*part)
        assert len(part) <= PART_SHARE * max_keys
        assert not set(part) & set(merged)                              # a key in one part
        merged.update(part)
    assert merged == whole


def test_a_partition_of_long_keys_is_summed_in_parts_where_short_ones_fit():
    from jobs.pageview_job import as_dict, summed_parts
    budget = Budget(BASE_MB + 1)          # 1 MB: 500 keys of 2,000 bytes weigh 3.6 MB

    def parts_of(length):
        keys = [b'%04d' % i + b'x' * (length - 4) for i in range(500)]
        records = [SEP.join(b'%s %d' % (key, i) for i, key in enumerate(keys))] * 2
        parts = [as_dict(*part) for part in summed_parts(records, budget)]
        merged = {}
        for part in parts:
            assert budget.weight(len(part), sum(map(len, part))) <= PART_SHARE * budget.most
            assert not set(part) & set(merged)                          # a key in one part
            merged.update(part)
        assert merged == {key: 2 * i for i, key in enumerate(keys)}
        return parts

    assert len(parts_of(5)) == 1
    assert len(parts_of(2000)) >= 4


def test_long_titles_fill_the_budget_sooner(tmp_path):
    # 50,000 pages, each twice, in a file; in a map task's sums in Arrow,
    # titles of 1,000 bytes weigh 2 * 50,000 * (195 + 3.5 * 1,003) = 371 MB,
    # past --memory 384's 128 MB, so it flushes; a reducer's 25,000 weigh
    # 93 MB, past 1.25 times its half of the 128, so it sums them in parts.
    # Titles of 10 bytes weigh 24 MB.
    for length, past in ((1000, True), (10, False)):
        titles = [b'%05d' % i + b'x' * (length - 5) for i in range(50000)]
        path = write_dump(tmp_path / ('%d.gz' % length),
                          [b'en %s %d 0' % (t, i % 7 + 1) for i, t in enumerate(titles)] * 2)
        lines, counters = run_job(MRPageViews, ['--memory', '384', path])
        assert (counters.get(('memory', 'map task flushes'), 0) > 0) is past
        assert (counters.get(('memory', 'partitions summed in parts'), 0) > 0) is past
        ranked = sorted((-2 * (i % 7 + 1), t) for i, t in enumerate(titles))
        assert lines == [b'en\t%s\t%d' % (t, -v) for v, t in ranked]


def test_a_part_too_big_is_spread_again_over_few_files():
    from jobs.pageview_job import as_dict, summed_parts
    budget = Budget(BASE_MB + 1)          # 1 MB
    # 24,000 keys of 200 bytes weigh 21.5 MB: 16 files at the first level of
    # about 1.3 MB each, each spread again over 2 or 3 (16 each, 241 parts
    # in all, before: the last step holds a chunk of every part)
    keys = [b'%05d' % i + b'y' * 195 for i in range(24000)]
    records = [SEP.join(b'%s %d' % (key, i) for i, key in enumerate(keys[j:j + 500], j))
               for j in range(0, 24000, 500)]
    parts = [as_dict(*part) for part in summed_parts(records, budget)]
    assert 16 < len(parts) <= 16 * 3
    merged = {}
    for part in parts:
        assert not set(part) & set(merged)
        merged.update(part)
    assert merged == {key: i for i, key in enumerate(keys)}


LAUNCHER = """
import os, sys
from jobs.mr_page_views import MRPageViews
from jobs.mr_top_pages import MRTopPages
MRPageViews.one_job = %s   # as run() marks a launcher from the command line
job = MRPageViews(['-r', 'local', '--no-conf', 'inputs/pageviews'])
with job.make_runner() as runner:
    print(' '.join(sorted(m for m in ('pyarrow', 'numpy', 'pyspark') if m in sys.modules)))
    print(len(os.listdir('/proc/self/task')))
"""


def launched(one_job):
    """The modules of the three loaded, and the threads, when a launcher has made its runner."""
    result = subprocess.run([sys.executable, '-c', LAUNCHER % one_job], cwd=ROOT,
                            capture_output=True, check=True)
    return result.stdout.decode().splitlines()


def test_the_launcher_loads_neither_pyarrow_nor_numpy():
    # each starts a thread when imported, and mrjob's local runner forks a
    # pool of workers from the launcher
    assert launched(True) == ['', '1']
    # mrjob loads numpy through pyspark where a process may run jobs of
    # other runners too (installed here), but never pyarrow
    assert launched(False)[0] == 'numpy pyspark'


def mapped(job, calls):
    """The sums and counters of one map task that makes ``calls``: (mapper, value) pairs."""
    job.sandbox()
    job.start_counting()
    records = [record for mapper, value in calls for record in mapper(None, value)]
    records += job.emit_views()
    counters = parse_mr_job_stderr(job.stderr.getvalue())['counters']['pageviews']
    return sum_rows(value for _, value in records), counters


def test_a_block_of_lines_counts_as_its_lines():
    # what mrtally.ByteBlockInputFormat hands a Spark mapper: lines joined by
    # newlines, the last without one; some blocks are only empty lines
    import reference
    from conftest import INPUTS, read_any
    from jobs.mr_page_views import MRPageViews
    lines = read_any(INPUTS / 'pageviews' / 'pageviews-20240101-000000.gz').split(b'\n')[:-1]
    lines[3:3] = [b'', b'en', b'en Broken 1x 0', b'de \xff 3 0', b'', b'']
    valid, bad = reference.pageview_lines(b'\n'.join(lines) + b'\n')
    assert bad >= 5 and len(valid) > 100
    cuts = [0, 1, 3, 4, 7, 9, 10, 200, len(lines)]
    blocks = [b'\n'.join(lines[a:b]) for a, b in zip(cuts, cuts[1:])]
    assert b'' in blocks and b'\n' in blocks

    job = MRPageViews(['--spark-bytes'])
    assert job.steps()[0]['mapper'] == job.count_block
    sums, counters = mapped(job, [(job.count_block, block) for block in blocks])
    assert sums == {b'%s %s' % page: n for page, n in reference.page_views(valid).items()}
    assert counters['lines read'] == len(lines) and counters['lines counted'] == len(valid)
    assert sum(n for name, n in counters.items() if name.startswith('malformed')) == bad
    # and as the same lines a line a record
    job = MRPageViews([])
    assert job.steps()[0]['mapper'] == job.count_views
    assert mapped(job, [(job.count_views, line) for line in lines]) == (sums, counters)
