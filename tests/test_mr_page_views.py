import os
import subprocess
import sys

import pytest

import reference
from conftest import INPUTS, ROOT, run_cli, run_job, sample_reference, write_dump
from jobs.mr_domain_views import MRDomainViews
from jobs.mr_page_views import MRPageViews
from jobs.mr_top_pages import MRTopPages
from jobs.planning import listed_path


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
    malformed = sum(n for (group, name), n in counters.items()
                    if group == 'pageviews' and name.startswith('malformed'))
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


HOSTILE = [
    (b'en A 1 0', None),
    (b'en A 2 0\r', None),                      # CRLF line end
    (b'ru \xcc\xee 3 0', None),                 # not UTF-8, kept as it is
    (b'en ' + b'T' * 1_000_000 + b' 4 0', None),  # a 1 MB line
    (b'en A 1', 'wrong number of fields'),
    (b'en A  1 0', 'wrong number of fields'),
    (b' A 1 0', 'empty domain or title'),
    (b'en A -1 0', 'views not a number'),
    (b'en A 99999999999999999999 0', 'views too large'),
    (b'en A x 0', 'views not a number'),
    (b'en\tA 1 0', 'control character'),
    (b'en A\x00 1 0', 'control character'),
    (b'', 'wrong number of fields'),
]


@pytest.fixture
def hostile(tmp_path):
    lines = [line for line, _ in HOSTILE]
    (tmp_path / 'pageviews-20240101-000000').write_bytes(
        b'\n'.join(lines) + b'\nde Z 5 0')  # no newline at the end
    (tmp_path / 'empty').write_bytes(b'')
    write_dump(tmp_path / 'empty.gz', [])
    return tmp_path


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_hostile_lines(hostile, runner, tmp_path_factory):
    bad = tmp_path_factory.mktemp('bad')
    lines, counters = run_job(MRPageViews, ['--bad-records', bad, hostile], runner=runner)
    assert lines == [b'de\tZ\t5', b'en\t' + b'T' * 1_000_000 + b'\t4', b'en\tA\t3', b'ru\t\xcc\xee\t3']
    reasons = [r for _, r in HOSTILE if r]
    expected = {('pageviews', 'lines read'): len(HOSTILE) + 1,
                ('pageviews', 'lines counted'): len(HOSTILE) + 1 - len(reasons)}
    for reason in set(reasons):
        expected['pageviews', 'malformed: ' + reason] = reasons.count(reason)
    assert {k: n for k, n in counters.items() if k[0] == 'pageviews'} == expected
    name = 'file pageviews-20240101-000000'
    assert counters[name, 'lines read'] == len(HOSTILE) + 1
    assert counters[name, 'malformed'] == len(reasons)

    # every skipped line, byte for byte, and why it was skipped; a runner may
    # split the file (it holds a 1 MB line), each split numbering its own lines
    splits = sorted(bad.glob('pageviews-20240101-000000*.bad'),
                    key=lambda p: int(p.stem.partition('@')[2] or 0))
    assert b''.join(p.read_bytes() for p in splits) == b''.join(
        line + b'\n' for line, reason in HOSTILE if reason)
    why = [line.split(b'\t')[1] for p in splits
           for line in p.with_suffix('.why.tsv').read_bytes().splitlines()]
    assert why == [r.encode() for _, r in HOSTILE if r]
    # line numbers count from the start of each split
    content = (hostile / 'pageviews-20240101-000000').read_bytes()
    numbers = []
    for p in splits:
        before = content[:int(p.stem.partition('@')[2] or 0)].count(b'\n')
        numbers += [before + int(line.split(b'\t')[0])
                    for line in p.with_suffix('.why.tsv').read_bytes().splitlines()]
    assert numbers == [n for n, (_, r) in enumerate(HOSTILE, 1) if r]
    assert sorted(p.name for p in bad.iterdir() if not p.name.startswith('pageviews')) == []


@pytest.fixture
def damaged(tmp_path):
    good = write_dump(tmp_path / 'pageviews-20240101-000000.gz', [b'en A %d 0' % i for i in range(1, 5001)])
    data = good.read_bytes()
    (tmp_path / 'pageviews-20240101-010000.gz').write_bytes(data[:len(data) // 2])
    (tmp_path / 'pageviews-20240101-020000.gz').write_bytes(b'en A 1 0\n')  # not gzip
    cut = write_dump(tmp_path / 'pageviews-20240101-user.bz2',
                     [b'en.wikipedia A%d 1 desktop %d A%d' % (i, i, i) for i in range(5000)])
    cut.write_bytes(cut.read_bytes()[:len(cut.read_bytes()) // 2])
    return tmp_path


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_damaged_files_fail_naming_the_first(damaged, runner):
    result = run_cli('mr_page_views', '-r', runner, damaged)
    assert result.returncode == 2
    assert result.stdout == b''
    assert b'damaged input %s: Compressed file ended' % str(
        damaged / 'pageviews-20240101-010000.gz').encode() in result.stderr
    assert b'Traceback' not in result.stderr


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_damaged_files_skipped_whole(damaged, runner):
    result = run_cli('mr_page_views', '-r', runner, '--skip-bad-files', damaged)
    assert result.returncode == 0, result.stderr
    # only the whole file counts: 1 + 2 + ... + 5000
    assert result.stdout == b'en\tA\t%d\n' % (5000 * 5001 // 2)
    for name in ['010000.gz', '020000.gz', 'user.bz2']:
        assert b'skipped damaged input %s' % str(damaged / ('pageviews-20240101-' + name)).encode() \
            in result.stderr


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_every_input_damaged_is_refused_in_one_line(damaged, runner):
    for whole_or_bz2 in ('000000.gz', 'user.bz2'):
        (damaged / ('pageviews-20240101-' + whole_or_bz2)).unlink()
    result = run_cli('mr_page_views', '-r', runner, '--skip-bad-files', damaged)
    assert result.returncode == 2
    assert result.stdout == b''
    assert result.stderr.splitlines()[-1].endswith(b'every input is damaged: %s, %s' % tuple(
        str(damaged / ('pageviews-20240101-%s.gz' % h)).encode() for h in ('010000', '020000')))
    assert b'Traceback' not in result.stderr


def test_bad_records_need_a_local_runner(tmp_path):
    result = run_cli('mr_page_views', '-r', 'emr', '--bad-records', tmp_path, 's3://b/x')
    assert result.returncode == 2
    assert b'--bad-records needs the inline or local runner' in result.stderr


def test_a_control_byte_in_the_last_line_of_a_file(tmp_path):
    # the last line, without a line end, is counted after the file's last read
    (tmp_path / 'x').write_bytes(b'en A 1 0\nen B\t2 3 0')
    lines, counters = run_job(MRPageViews, [tmp_path])
    assert lines == [b'en\tA\t1']
    assert counters[('pageviews', 'malformed: control character')] == 1


def test_file_lists_are_for_the_local_runners(tmp_path):
    (tmp_path / 'list.txt').write_text(str(tmp_path / 'x.gz') + '\n')
    result = run_cli('mr_page_views', '-r', 'hadoop', '--file-list', tmp_path / 'list.txt')
    assert result.returncode == 2
    assert b'--file-list needs the inline or local runner' in result.stderr
    assert b'Traceback' not in result.stderr


def test_a_file_list_given_by_hand(two_hours, tmp_path_factory):
    listing = tmp_path_factory.mktemp('list') / 'files.txt'
    listing.write_bytes(b''.join(listed_path(p) + b'\n' for p in sorted(two_hours.iterdir())))
    by_list, _ = run_job(MRPageViews, ['--file-list', listing], runner='local')
    by_dir, _ = run_job(MRPageViews, [two_hours])
    assert by_list == by_dir


def test_bad_line_numbers_without_control_bytes(tmp_path):
    # no control byte in the file, so the fast loop reads it; equal bad
    # lines each get their own number
    dump = write_dump(tmp_path / 'pageviews-20240101-000000.gz', [
        b'en A 1 0', b'en B x 0', b'en C 2 0', b'en B x 0', b'de  1 0', b'en D 1 0'])
    bad = tmp_path / 'bad'
    lines, _ = run_job(MRPageViews, ['--bad-records', bad, dump])
    assert lines == [b'en\tC\t2', b'en\tA\t1', b'en\tD\t1']
    [why] = bad.glob('*.why.tsv')
    assert why.read_bytes().splitlines() == [
        b'2\tviews not a number', b'4\tviews not a number', b'5\tempty domain or title']


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_a_bytes_field_beyond_64_bits_loses_no_views(runner, tmp_path):
    # eleven lines whose unused 4th field does not fit 64 bits: worked by hand
    write_dump(tmp_path / 'pagecounts-20120101-000000', [b'en A 2 %d' % 2 ** 70] * 11 + [b'en B 1 0'])
    lines, counters = run_job(MRPageViews, [tmp_path], runner=runner)
    assert lines == [b'en\tA\t22', b'en\tB\t1']
    assert counters['pageviews', 'lines counted'] == 12


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_a_plain_dump_that_starts_with_bzh(runner, tmp_path):
    # the first bytes look like bzip2's "BZh", but the file is text
    write_dump(tmp_path / 'pagecounts-20120101-000000', [b'BZh A 2 0', b'en B 1 0'])
    lines, _ = run_job(MRPageViews, [tmp_path], runner=runner)
    assert lines == [b'BZh\tA\t2', b'en\tB\t1']


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_file_names_that_are_not_utf8_or_hold_a_newline(runner, tmp_path):
    write_dump(tmp_path / os.fsdecode(b'caf\xe9.txt'), [b'en A 3 0'])
    write_dump(tmp_path / 'a\nb.txt', [b'en A 1 0', b'en B 2 0'])
    lines, counters = run_job(MRPageViews, [tmp_path], runner=runner)
    assert lines == [b'en\tA\t4', b'en\tB\t2']
    # per-file counters name them as text: the byte that is not UTF-8 and the newline as \xNN
    assert counters['file caf\\xe9.txt', 'lines counted'] == 1
    assert counters['file a\\x0ab.txt', 'lines counted'] == 2


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_totals_beyond_20_digits_are_exact(runner, tmp_path):
    # each line fits 64 bits; the page's total does not fit 20 digits
    big = 2 ** 63 - 1
    write_dump(tmp_path / 'pagecounts-20120101-000000', [b'en A %d 1' % big] * 11 + [b'en B 5 0'])
    lines, _ = run_job(MRPageViews, [tmp_path], runner=runner)
    assert lines == [b'en\tA\t%d' % (11 * big), b'en\tB\t5']
    top, _ = run_job(MRTopPages, ['--top', '1', tmp_path], runner=runner)
    assert top == [b'en\tA\t%d' % (11 * big)]
    domains, _ = run_job(MRDomainViews, [tmp_path], runner=runner)
    assert domains == [b'en\t%d\t2' % (11 * big + 5)]


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_the_same_bytes_from_stdin_or_a_file(runner, tmp_path):
    data = b'en A 3 0\r\r\nen B 2 0\r\nen C 1 0\n'
    dump = tmp_path / 'pagecounts-20120101-000000'
    dump.write_bytes(data)
    from_file = subprocess.run([sys.executable, '-m', 'jobs.mr_page_views', '-r', runner, dump],
                               cwd=ROOT, capture_output=True)
    from_stdin = subprocess.run([sys.executable, '-m', 'jobs.mr_page_views', '-r', runner, '-'],
                                cwd=ROOT, capture_output=True, input=data)
    # a line end is \n or \r\n; the \r left before one makes A's line malformed
    assert from_file.stdout == from_stdin.stdout == b'en\tB\t2\nen\tC\t1\n'
    assert b'malformed: control character: 1' in from_stdin.stderr
