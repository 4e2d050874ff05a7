import json

import pytest

from jobs.protocols import PackedBillProtocol


def test_round_trip_keeps_text_on_one_line():
    xml = '<?xml version="1.0"?>\r\n<bill>\n<legis-body>Caf\u00e9 \u2014 "quoted"\ttab\u2028</legis-body></bill>'
    line = PackedBillProtocol().write('hr1-113-ih', xml)
    assert b'\n' not in line and b'\r' not in line
    assert line.startswith(b'hr1-113-ih\t')
    assert json.loads(line.split(b'\t', 1)[1]) == xml
    assert PackedBillProtocol().read(line) == ('hr1-113-ih', xml)


@pytest.mark.parametrize('line', [
    b'',
    b'no tab at all',
    b'hr1\tnot json',
    b'hr1\t{"an": "object"}',
    b'hr1\t"unterminated',
    b'\xff\xfe\t"x"',
    b'hr1\t"\\ud800<bill/>"',  # a lone surrogate: not text that UTF-8 can hold
    b'hr1\t"caf\xe9"',  # not UTF-8
])
def test_lines_that_are_not_packed_bills(line):
    assert PackedBillProtocol().read(line) == (None, line)
