from itertools import groupby

import pytest

import reference
from conftest import INPUTS, run_job, sample_reference, write_dump
from jobs.mr_top_pages import MRTopPages


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
