import json

from conftest import FIXTURES, run_job
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
