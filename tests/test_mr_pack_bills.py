import json
import os
import zipfile

import pytest

from conftest import FIXTURES, run_job
from jobs.mr_bill_word_freq import MRBillWordFreq
from jobs.mr_pack_bills import MRPackBills


def test_packs_every_bill_once_as_its_own_text(bill_tree):
    lines, counters = run_job(MRPackBills, [bill_tree[1]])
    packed = {}
    for line in lines:
        bill_id, payload = line.split(b'\t')
        packed[bill_id.decode()] = json.loads(payload)
    expected = {path.name.rsplit('.', 1)[0]: path.read_bytes().decode('utf-8')
                for path in (FIXTURES / 'bills').iterdir()}
    assert packed == expected
    assert counters[('bills', 'documents packed')] == 12


def test_packing_skips_what_is_not_a_bill(tmp_path):
    (tmp_path / 'a.xml').write_text('<bill><legis-body>Yes</legis-body></bill>')
    (tmp_path / 'b.xml').write_text('<bill>no')
    lines, counters = run_job(MRPackBills, [tmp_path])
    assert lines == [b'a\t"<bill><legis-body>Yes</legis-body></bill>"']
    assert counters[('bills', 'skipped: not well-formed XML')] == 1


def test_latin1_bill_packs_as_text(tmp_path):
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?><bill><legis-body>Café</legis-body></bill>'
    (tmp_path / 'c.xml').write_bytes(xml.encode('latin-1'))
    lines, _ = run_job(MRPackBills, [tmp_path])
    assert [json.loads(line.split(b'\t')[1]) for line in lines] == [xml]


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_names_that_are_not_utf8_or_hold_a_tab_or_newline(runner, tmp_path):
    bill = (FIXTURES / 'bills' / 'hres67-113-ih.xml').read_bytes()
    (tmp_path / os.fsdecode(b'caf\xe9.xml')).write_bytes(bill)
    with zipfile.ZipFile(tmp_path / 'BILLS.zip', 'w') as z:
        z.writestr('hr1\t113\nih.xml', bill)
    packed = tmp_path / 'packed'
    run_job(MRPackBills, ['--output-dir', packed, tmp_path / os.fsdecode(b'caf\xe9.xml'),
                          tmp_path / 'BILLS.zip'], runner=runner)
    ids = [line.split(b'\t', 1)[0] for part in sorted(packed.glob('part-*'))
           for line in part.read_bytes().splitlines()]
    assert ids == [b'caf\\xe9', b'hr1\\x09113\\x0aih']
    # and they count as the bill they are, twice
    words, _ = run_job(MRBillWordFreq, ['--packed', packed], runner=runner)
    once, _ = run_job(MRBillWordFreq, [FIXTURES / 'bills' / 'hres67-113-ih.xml'])
    assert [w.rsplit(b'\t', 1)[1] for w in words] == [b'%d' % (2 * int(w.rsplit(b'\t', 1)[1])) for w in once]


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_a_utf16_bill_with_a_byte_order_mark_and_no_declaration(runner, tmp_path):
    text = '<bill><legis-body><text>Caf\u00e9 legislation appropriations legislation</text></legis-body></bill>'
    (tmp_path / 'loose').mkdir()
    (tmp_path / 'loose' / 'hr2-113-ih.xml').write_bytes(text.encode('utf-16'))
    packed = tmp_path / 'packed'
    run_job(MRPackBills, ['--output-dir', packed, tmp_path / 'loose'], runner=runner)
    words, _ = run_job(MRBillWordFreq, ['--packed', packed], runner=runner)
    assert words == [b'legislation\t2', b'appropriations\t1']
    assert run_job(MRBillWordFreq, [tmp_path / 'loose'], runner=runner)[0] == words
