import pytest

import reference
from conftest import INPUTS, run_job, sample_reference, write_dump
from jobs.mr_hourly_views import MRHourlyViews


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
