import gzip
import zipfile
from collections import Counter

import pytest

import reference
from conftest import FIXTURES, run_cli, run_job
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
    assert counters == {
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
    assert result.returncode == 1
    assert b'bad input: %s' % str(tmp_path / 'cut.xml.gz').encode() in result.stderr
    assert b'Traceback' not in result.stderr


def test_loose_bills_refuse_spark_without_packing(bill_tree):
    # mapper_raw needs input manifests, which the Spark runner lacks
    result = run_cli('mr_bill_word_freq', '-r', 'spark', bill_tree[0])
    assert result.returncode == 2
    assert b'--packed' in result.stderr and b'mr_pack_bills' in result.stderr
    assert b'Traceback' not in result.stderr
