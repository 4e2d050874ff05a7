import json
import os

import pytest
from mrjob.protocol import BytesValueProtocol

from jobs.protocols import ByteChars, PackedBillProtocol


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


def test_byte_chars_carry_every_byte_through_text():
    # what mrtally.ByteLineInputFormat hands Python: each byte as the char of its number
    line = bytes(range(256)).replace(b'\n', b'')
    as_text = line.decode('latin-1').encode('utf-8')
    protocol = ByteChars(BytesValueProtocol())
    assert protocol.read(as_text) == (None, line)
    # and back out, for mrtally.ByteLineOutputFormat to turn into the bytes
    assert protocol.write(None, line) == as_text


def test_byte_chars_with_paths_tell_the_task_its_file(monkeypatch):
    monkeypatch.delenv('mapreduce_map_input_file', raising=False)
    protocol = ByteChars(BytesValueProtocol(), paths=True)
    path = 'file:/data/pageviews-20240101-000000.gz'.encode()
    assert protocol.read(path + b'\0en \xff 2 0'.decode('latin-1').encode()) == (None, b'en \xff 2 0')
    assert os.environ['mapreduce_map_input_file'] == path.decode()
