import pytest

import reference
from conftest import INPUTS, run_cli, run_job, sample_reference, write_dump
from jobs.mr_page_views import MRPageViews


@pytest.fixture
def two_hours(tmp_path):
    write_dump(tmp_path / 'pageviews-20240101-000000.gz', [
        b'en Main_Page 10 0',
        b'en Zebra 3 0',
        b'de Main_Page 4 0',
        b'en Special:Search 7 0',
        b'en broken line',
        b'ru \xcc\xee\xf1\xea\xe2\xe0 2 0',  # CP1251, not UTF-8
    ])
    write_dump(tmp_path / 'pageviews-20240101-010000.bz2', [
        b'en Main_Page 5 0\r',
        b'en Apple 3 0',
        b'de Main_Page x 0',
        b'en.wikipedia Zebra null desktop 4 A1B3',
    ])
    return tmp_path


def test_views_per_page_worked_by_hand(two_hours):
    lines, counters = run_job(MRPageViews, [two_hours])
    assert lines == [
        b'en\tMain_Page\t15',
        b'en\tSpecial:Search\t7',
        b'de\tMain_Page\t4',
        b'en.wikipedia\tZebra\t4',
        b'en\tApple\t3',   # ties: domain, then title, as bytes
        b'en\tZebra\t3',
        b'ru\t\xcc\xee\xf1\xea\xe2\xe0\t2',
    ]
    assert counters[('pageviews', 'lines read')] == 10
    assert counters[('pageviews', 'lines counted')] == 8
    assert counters[('pageviews', 'malformed: wrong number of fields')] == 1
    assert counters[('pageviews', 'malformed: views not a number')] == 1


def test_filters(two_hours):
    lines, counters = run_job(MRPageViews, [
        '--domain', 'en', '--domain', 'de', '--exclude-prefix', 'Special:',
        '--exclude-prefix', 'Z', '--min-views', '4', two_hours])
    assert lines == [b'en\tMain_Page\t15', b'de\tMain_Page\t4']
    # en Zebra, en Special:Search, the ru page and en.wikipedia Zebra
    assert counters[('pageviews', 'lines filtered out')] == 4


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_sample_inputs_match_a_second_implementation(runner):
    lines, counters = run_job(MRPageViews, [INPUTS / 'pageviews'], runner=runner)
    records, bad = sample_reference()
    assert lines == reference.sorted_rows(reference.page_views(records))
    malformed = sum(n for (group, name), n in counters.items() if name.startswith('malformed'))
    assert malformed == bad > 0
    # total views out equal total views of the valid lines in
    assert sum(int(line.rsplit(b'\t', 1)[1]) for line in lines) == sum(r[2] for r in records)


def test_globs_and_single_files(two_hours):
    by_dir, _ = run_job(MRPageViews, [two_hours])
    by_glob, _ = run_job(MRPageViews, [two_hours / 'pageviews-*'])
    by_files, _ = run_job(MRPageViews, sorted(two_hours.iterdir()))
    assert by_dir == by_glob == by_files


def test_missing_input_is_a_one_line_error(tmp_path):
    result = run_cli('mr_page_views', tmp_path / 'nope.gz')
    assert result.returncode == 2
    assert result.stdout == b''
    assert b'input not found: %s' % str(tmp_path / 'nope.gz').encode() in result.stderr
    assert b'Traceback' not in result.stderr


def test_command_line_writes_tsv_to_stdout(two_hours):
    result = run_cli('mr_page_views', '--domain', 'de', two_hours)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b'de\tMain_Page\t4\n'
    assert b'malformed: views not a number: 1' in result.stderr
