import pytest

import reference
from conftest import INPUTS, run_job, sample_reference, write_dump
from jobs.mr_hourly_views import MRHourlyViews
from jobs.summary import SKIPPED


def test_hours_worked_by_hand(tmp_path):
    write_dump(tmp_path / 'pageviews-20240101-000000.gz', [b'en A 5 0', b'de X 2 0', b'en B 1 0'])
    write_dump(tmp_path / 'pagecounts-20240101-230000', [b'en A 4 0'])
    write_dump(tmp_path / 'pageviews-20240102-user.bz2', [
        b'en.wikipedia A 1 desktop 7 A2X5',
        b'en.wikipedia B null mobile-web 3 A3',
    ])
    write_dump(tmp_path / 'undated.txt', [b'en A 100 0'])
    lines, counters = run_job(MRHourlyViews, [tmp_path])
    assert lines == [
        b'2024-01-01T00\ten\t6',
        b'2024-01-01T00\tde\t2',
        b'2024-01-01T23\ten\t4',
        b'2024-01-02T00\ten.wikipedia\t5',
        b'2024-01-02T23\ten.wikipedia\t5',
    ]
    assert counters[('pageviews', 'lines without an hour')] == 1


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_sample_inputs_match_a_second_implementation(runner):
    records, _ = sample_reference()
    lines, _ = run_job(MRHourlyViews, [INPUTS / 'pageviews'], runner=runner)
    assert lines == reference.hourly_rows(records)
    assert len({line.split(b'\t')[0] for line in lines}) > 2


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_malformed_lines_among_clean_ones_are_counted_by_reason(runner, tmp_path):
    # no control byte anywhere: the file is counted in bulk (jobs.bulk), which
    # hands the odd lines (a repeated one among them) on by their numbers
    lines = [b'en A 1 0', b'en A 1', b'de B 20 7', b'en A 1',
             b'en C 1000000000000000000 0', b'en A x 0', b'en.m A 2 0']
    (tmp_path / 'in').mkdir()
    write_dump(tmp_path / 'in' / 'pageviews-20240101-050000.gz', lines)
    bad = tmp_path / 'bad'
    out, counters = run_job(MRHourlyViews, ['--bad-records', bad, tmp_path / 'in'], runner=runner)
    assert out == [b'2024-01-01T05\ten\t1000000000000000001',
                   b'2024-01-01T05\tde\t20',
                   b'2024-01-01T05\ten.m\t2']
    assert {k[1]: n for k, n in counters.items() if k[0] == 'pageviews'} == {
        'lines read': 7, 'lines counted': 4,
        'malformed: wrong number of fields': 2, 'malformed: views not a number': 1}
    name = 'pageviews-20240101-050000.gz'
    assert {k[1] for k in counters if k[0] == SKIPPED} == {
        name + ': malformed: wrong number of fields: 2 (first: line 2)',
        name + ': malformed: views not a number: 1 (first: line 6)'}
    why, = bad.glob('*.why.tsv')
    assert [row.split(b'\t')[0] for row in why.read_bytes().splitlines()] == [b'2', b'4', b'6']
