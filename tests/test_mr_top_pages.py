import io
import random
from itertools import groupby

import pytest

import reference
from conftest import INPUTS, read_any, run_job, sample_reference, write_dump
from jobs.mr_top_pages import MRTopPages
from jobs.rows import SEP
from jobs.topn import LIGHT


@pytest.fixture
def dump(tmp_path):
    return write_dump(tmp_path / 'pageviews-20240101-000000', [
        b'en A 5 0', b'en B 9 0', b'en C 1 0', b'en A 5 0',
        b'de X 2 0', b'de Y 7 0', b'de Z 7 0', b'fr Q 3 0',
    ])


def test_top_pages_worked_by_hand(dump):
    lines, _ = run_job(MRTopPages, ['--top', '3', dump])
    assert lines == [b'en\tA\t10', b'en\tB\t9', b'de\tY\t7']


def test_top_pages_per_domain_worked_by_hand(dump):
    lines, _ = run_job(MRTopPages, ['--top', '2', '--per-domain', dump])
    assert lines == [b'de\tY\t7', b'de\tZ\t7', b'en\tA\t10', b'en\tB\t9', b'fr\tQ\t3']


def test_more_than_there_are(dump):
    lines, _ = run_job(MRTopPages, ['--top', '100', '--min-views', '3', dump])
    assert lines == [b'en\tA\t10', b'en\tB\t9', b'de\tY\t7', b'de\tZ\t7', b'fr\tQ\t3']


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_sample_inputs_match_a_second_implementation(runner):
    records, _ = sample_reference()
    rows = reference.sorted_rows(reference.page_views(records))
    lines, _ = run_job(MRTopPages, ['--top', '25', INPUTS / 'pageviews'], runner=runner)
    assert lines == rows[:25]

    lines, _ = run_job(MRTopPages, ['--top', '3', '--per-domain', INPUTS / 'pageviews'],
                       runner=runner)
    per_domain = []
    for _, group in groupby(sorted(rows, key=lambda r: r.split(b'\t')[0]),
                            key=lambda r: r.split(b'\t')[0]):
        per_domain += list(group)[:3]  # sorted() is stable: each group keeps its order
    assert lines == per_domain


def test_many_pages_past_the_buffer(tmp_path):
    # more pages than a reducer keeps before trimming its buffer
    dump = write_dump(tmp_path / 'pages', [b'en P%05d %d 0' % (i, i % 997) for i in range(5000)])
    lines, _ = run_job(MRTopPages, ['--top', '7', dump])
    expected = sorted(((i % 997, b'P%05d' % i) for i in range(5000)), key=lambda t: (-t[0], t[1]))
    assert lines == [b'en\t%s\t%d' % (t, v) for v, t in expected[:7]]


def map_records(dump, monkeypatch, tasks):
    """The (key, value) records of MRTopPages --top 1's map task over dump,
    told that there are ``tasks`` map tasks (or not told, if None)."""
    if tasks:
        monkeypatch.setenv('MRTALLY_MAP_TASKS', str(tasks))
    job = MRTopPages(['--step-num=0', '--mapper', '--file-list', '--top', '1'])
    job.sandbox(stdin=io.BytesIO(bytes(dump) + b'\n'))
    job.execute()
    return [line.split(b'\t', 1) for line in job.stdout.getvalue().splitlines()]


def test_map_task_sends_light_pages_apart(dump, monkeypatch):
    # worked by hand: the largest count is 10 (en A), so with two tasks a
    # page needs 5 views here to be sure of a place in the top 1 overall
    heavy, light = set(), set()
    for _, value in map_records(dump, monkeypatch, 2):
        if value.startswith(LIGHT):
            light.update(value.split(LIGHT)[1].split(SEP))
        else:
            heavy.update(row.rsplit(b' ', 1)[0] for row in value.split(SEP))
    assert heavy == {b'en A', b'en B', b'de Y', b'de Z'}
    assert light == {b'en C', b'de X', b'fr Q'}


def test_map_task_sends_every_page_whole_without_a_count_of_tasks(dump, monkeypatch):
    assert not any(value.startswith(LIGHT) for _, value in map_records(dump, monkeypatch, None))


def test_top_pages_over_many_map_tasks_match_a_second_implementation(tmp_path):
    # three files and three cores: three map tasks, most pages light in each
    rng = random.Random(7)
    files = [write_dump(tmp_path / ('pageviews-20240101-%02d0000.gz' % hour), [
        b'%s P%d %d 0' % (rng.choice([b'en', b'de']), int(rng.paretovariate(1.0)),
                          rng.randint(1, 9)) for _ in range(2000)]) for hour in range(3)]
    records = [r for f in files for r in reference.pageview_lines(read_any(f))[0]]
    rows = reference.sorted_rows(reference.page_views(records))
    for top in (1, 10, 40):
        lines, _ = run_job(MRTopPages, ['--top', top, '--num-cores', 3, *files], runner='local')
        assert lines == rows[:top]
