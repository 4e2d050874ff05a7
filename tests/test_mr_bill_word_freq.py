import gzip
from pathlib import Path
import zipfile
from collections import Counter

import pytest

import reference
from conftest import FIXTURES, INPUTS, run_cli, run_job
from jobs.summary import SKIPPED
from jobs.mr_bill_word_freq import MRBillWordFreq
from jobs.mr_pack_bills import MRPackBills


def expected_rows(counts):
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].encode()))
    return [b'%s\t%d' % (word.encode(), n) for word, n in ranked]


@pytest.fixture(scope='module')
def fixture_counts():
    counts = Counter()
    for path in (FIXTURES / 'bills').iterdir():
        counts += reference.word_counts(reference.bill_texts(path.read_bytes()))
    return counts


@pytest.fixture(scope='module')
def packed(bill_tree, tmp_path_factory):
    out = tmp_path_factory.mktemp('packed')
    run_job(MRPackBills, ['--output-dir', out / 'bills', bill_tree[1]])
    return out / 'bills'


def test_loose_files_match_a_second_implementation(bill_tree, fixture_counts):
    lines, counters = run_job(MRBillWordFreq, [bill_tree[0]])
    assert lines == expected_rows(fixture_counts)
    assert counters[('bills', 'documents counted')] == 12


@pytest.mark.parametrize('form, runner', [
    ('mixed', 'inline'), ('mixed', 'local'), ('packed', 'inline'), ('packed', 'local')])
def test_every_form_of_input_gives_the_same_counts(bill_tree, packed, fixture_counts, form, runner):
    args = ['--packed', packed] if form == 'packed' else [bill_tree[1]]
    lines, counters = run_job(MRBillWordFreq, args, runner=runner)
    assert lines == expected_rows(fixture_counts)
    assert counters[('bills', 'documents counted')] == 12


def test_tiny_bills_worked_by_hand(tmp_path):
    (tmp_path / 'hr1-113-ih.xml').write_bytes(
        b'<bill><form><official-title>Protect Children</official-title>'
        b'<congress>CONGRESS CONGRESS</congress></form>'
        b'<legis-body>Children shall <b>protect</b>protected children.</legis-body></bill>')
    (tmp_path / 'hr2-113-ih.xml.gz').write_bytes(gzip.compress(
        b'<resolution xmlns="http://schemas.gpo.gov/xml/uslm"><main>Children 2024children'
        b'</main></resolution>'))
    lines, _ = run_job(MRBillWordFreq, [tmp_path])
    assert lines == [b'children\t5', b'protect\t2', b'protected\t1']
    lines, _ = run_job(MRBillWordFreq, ['--min-word-length', '8', tmp_path])
    assert lines == [b'children\t5', b'protected\t1']


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_stop_words_file_reaches_every_task(tmp_path, runner):
    (tmp_path / 'bills').mkdir()
    (tmp_path / 'bills' / 'a.xml').write_bytes(
        b'<bill><legis-body>Secretary Secretary section Congress shall report</legis-body></bill>')
    (tmp_path / 'stop.txt').write_text('secretary\nsection\n')
    lines, _ = run_job(MRBillWordFreq, ['--stop-words', tmp_path / 'stop.txt', '--min-word-length', '5',
                                        tmp_path / 'bills'], runner=runner)
    assert lines == [b'congress\t1', b'report\t1', b'shall\t1']


@pytest.fixture
def dirty(tmp_path):
    (tmp_path / 'good.xml').write_bytes(b'<bill><legis-body>Lionfish invasion</legis-body></bill>')
    (tmp_path / 'broken.xml').write_bytes(b'<bill><legis-body>Unclosed</bill>')
    (tmp_path / 'empty.xml').write_bytes(b'')
    (tmp_path / 'page.xml').write_bytes(b'<html><body>Webpage content</body></html>')
    with zipfile.ZipFile(tmp_path / 'bulk.zip', 'w') as z:
        z.writestr('README.txt', 'not a bill')
        z.writestr('BILLS-113hr9ih.xml', b'<bill><legis-body>Invasion</legis-body></bill>')
    return tmp_path


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_bad_documents_are_counted_and_skipped(dirty, runner):
    lines, counters = run_job(MRBillWordFreq, [dirty], runner=runner)
    assert lines == [b'invasion\t2', b'lionfish\t1']
    # per file, and once per file and reason with where it was first seen
    assert counters['file broken.xml', 'skipped: not well-formed XML'] == 1
    assert counters['file bulk.zip', 'documents counted'] == 1
    # files with something skipped have a group; a file whose every document
    # counted adds nothing to the totals, and has none
    assert {group for group, _ in counters if group.startswith('file ')} == {
        'file broken.xml', 'file bulk.zip', 'file empty.xml', 'file page.xml'}
    assert [name for group, name in counters if group == SKIPPED and 'broken.xml' in name] == [
        'broken.xml: skipped: not well-formed XML: 1 (first: broken (%s))' % (dirty / 'broken.xml')]
    assert {k: n for k, n in counters.items() if k[0] == 'bills'} == {
        ('bills', 'documents read'): 5,
        ('bills', 'documents counted'): 2,
        ('bills', 'skipped: not well-formed XML'): 2,
        ('bills', 'skipped: not a bill'): 1,
        ('bills', 'skipped: not an XML file'): 1,
    }


def test_strict_fails_with_one_line(dirty):
    result = run_cli('mr_bill_word_freq', '--strict', dirty / 'good.xml', dirty / 'page.xml')
    assert result.returncode == 1
    assert b'bad input: page (%s): not a bill: root <html>' % str(dirty / 'page.xml').encode() \
        in result.stderr
    assert b'Traceback' not in result.stderr


def test_damaged_archive_fails_naming_it(tmp_path):
    (tmp_path / 'cut.xml.gz').write_bytes(gzip.compress(b'<bill>' + b'x' * 10000 + b'</bill>')[:50])
    result = run_cli('mr_bill_word_freq', tmp_path)
    assert result.returncode == 2
    assert b'damaged input %s' % str(tmp_path / 'cut.xml.gz').encode() in result.stderr
    assert b'Traceback' not in result.stderr


def test_loose_bills_refuse_spark_without_packing(bill_tree):
    # mapper_raw needs input manifests, which the Spark runner lacks
    result = run_cli('mr_bill_word_freq', '-r', 'spark', bill_tree[0])
    assert result.returncode == 2
    assert b'--packed' in result.stderr and b'mr_pack_bills' in result.stderr
    assert b'Traceback' not in result.stderr


@pytest.fixture
def hostile(tmp_path):
    bills = tmp_path / 'bills'
    bills.mkdir()
    secret = tmp_path / 'secret.txt'
    secret.write_text('CONFIDENTIALWORD')
    body = b'<bill><legis-body>Lionfish %s invasion</legis-body></bill>'
    docs = {
        'xxe-file.xml': b'<!DOCTYPE bill [<!ENTITY x SYSTEM "file://%s">]>' % str(secret).encode()
                        + body % b'&x;',
        'xxe-url.xml': b'<!DOCTYPE bill [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>' + body % b'&x;',
        'dtd-missing.xml': b'<!DOCTYPE bill SYSTEM "/nonexistent/bill.dtd">' + body % b'',
        'laughs.xml': b'<!DOCTYPE bill [<!ENTITY a "haha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
                      b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>'
                      + body % b'&d;&d;&d;&d;',
        'deep.xml': b'<bill><legis-body>' + b'<a>' * 5000 + b'deep' + b'</a>' * 5000 + b'</legis-body></bill>',
        'empty.xml': b'',
        'root.xml': b'<book><legis-body>Lionfish</legis-body></book>',
    }
    for name, data in docs.items():
        (bills / name).write_bytes(data)
    with zipfile.ZipFile(bills / 'bulk.zip', 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('../../../tmp/escape.xml', body % b'')
        z.writestr('/abs/path.xml', body % b'')
        z.writestr('notes.txt', b'just text')
        z.writestr('bomb.xml', b'<bill>' + b' ' * (300 * 1024 * 1024) + b'</bill>')
    return bills, secret


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_hostile_bills_are_skipped_and_counted(hostile, runner, tmp_path):
    bills, secret = hostile
    lines, counters = run_job(MRBillWordFreq, ['--bad-records', tmp_path / 'bad', bills], runner=runner)
    # the three documents whose entities stay unexpanded, the two zipped ones
    # with odd names, and the missing DTD, which is never fetched
    assert lines == [b'invasion\t6', b'lionfish\t6']
    assert {k: n for k, n in counters.items() if k[0] == 'bills'} == {
        ('bills', 'documents read'): 9,     # 7 loose, 2 zipped
        ('bills', 'documents counted'): 6,
        ('bills', 'skipped: not well-formed XML'): 2,   # empty, too deep
        ('bills', 'skipped: not a bill'): 1,
        ('bills', 'skipped: not an XML file'): 1,
        ('bills', 'skipped: too large'): 1,
    }
    assert not (tmp_path / 'escape.xml').exists() and not (Path('/tmp') / 'escape.xml').exists()
    # every skipped document is kept whole, and every skip has a reason
    bad = tmp_path / 'bad'
    kept = sorted(p.name for p in bad.glob('*.xml'))
    assert kept == ['deep.xml--deep.xml', 'empty.xml--empty.xml', 'root.xml--root.xml']
    for name in kept:
        assert (bad / name).read_bytes() == (bills / name.split('--')[0]).read_bytes()
    why = ''.join(p.read_text() for p in bad.glob('*.why.tsv')).splitlines()
    assert len(why) == 5
    assert any(line.startswith('notes.txt (%s' % (bills / 'bulk.zip')) and
               line.endswith('\tnot an XML file') for line in why)
    assert any(line.startswith('bomb (') and '\ttoo large' in line for line in why)


def test_strict_fails_on_the_first_bad_document(hostile):
    bills, _ = hostile
    result = run_cli('mr_bill_word_freq', '--strict', bills)
    assert result.returncode == 1
    assert b'bad input: ' in result.stderr and b'Traceback' not in result.stderr


def test_packed_lines_that_are_not_bills(tmp_path):
    packed = tmp_path / 'packed'
    packed.write_bytes(b'hr1\t"<bill><legis-body>Lionfish</legis-body></bill>"\n'
                       b'garbage line\n'
                       b'hr3\t"\\ud800<bill/>"\n'
                       b'hr2\t"<bill>unclosed"\n')
    lines, counters = run_job(MRBillWordFreq, ['--packed', '--bad-records', tmp_path / 'bad', packed])
    assert lines == [b'lionfish\t1']
    assert counters[('bills', 'skipped: not a packed bill line')] == 2
    assert counters[('bills', 'skipped: not well-formed XML')] == 1
    # one file of skipped lines per map task
    assert b''.join(p.read_bytes() for p in (tmp_path / 'bad').glob('bills-task*.bad')) \
        == b'garbage line\nhr3\t"\\ud800<bill/>"\n'
    assert (tmp_path / 'bad' / 'packed--hr2.xml').read_bytes() == b'<bill>unclosed'


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_a_bill_with_a_text_node_over_10_mb(runner, tmp_path):
    (tmp_path / 'hr1-113-ih.xml').write_bytes(
        b'<bill><legis-body><text>' + b'legislation ' * 1_000_000 + b'</text></legis-body></bill>')
    lines, counters = run_job(MRBillWordFreq, [tmp_path], runner=runner)
    assert lines == [b'legislation\t1000000']
    assert counters['bills', 'documents counted'] == 1


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_packed_bills_are_recognised_without_packed(packed_bills, runner, tmp_path):
    from_files, _ = run_job(MRBillWordFreq, [INPUTS / 'bills'], runner=runner)
    told, _ = run_job(MRBillWordFreq, ['--packed', packed_bills], runner=runner)
    assert run_job(MRBillWordFreq, [packed_bills], runner=runner)[0] == told == from_files
    # and one packed file among XML files, by the task that reads it
    (tmp_path / 'packed.txt').write_bytes((packed_bills / 'part-00000').read_bytes())
    mixed, _ = run_job(MRBillWordFreq, [tmp_path / 'packed.txt', FIXTURES / 'bills'], runner=runner)
    alone = [run_job(MRBillWordFreq, [p], runner=runner)[0] for p in (tmp_path / 'packed.txt', FIXTURES / 'bills')]
    totals = Counter()
    for lines in alone:
        for line in lines:
            word, n = line.split(b'\t')
            totals[word] += int(n)
    assert sorted((-n, w) for w, n in totals.items()) == [
        (-int(n), w) for w, n in (line.split(b'\t') for line in mixed)]
