import bz2
import gzip
import zipfile

import pytest

from jobs.billfiles import BadFile, bill_id_of, read_bills

XML = b'<bill><legis-body>Some words</legis-body></bill>'


@pytest.mark.parametrize('name, bill_id', [
    ('hres67-113-ih.xml', 'hres67-113-ih'),
    ('hres67-113-ih.xml.gz', 'hres67-113-ih'),
    ('/data/s3217-111-as.xml.bz2', 's3217-111-as'),
    ('s3://bucket/bills/uslm-HJ106_IH.XML', 'uslm-HJ106_IH'),
    ('BILLS-113hr1ih.xml', 'BILLS-113hr1ih'),
    ('../../etc/passwd', 'passwd'),
    ('dir\\name.xml', 'name'),
])
def test_bill_id_of(name, bill_id):
    assert bill_id_of(name) == bill_id


def write(path, data):
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize('compress', [lambda d: d, gzip.compress, bz2.compress])
def test_format_comes_from_content_not_name(tmp_path, compress):
    # mrjob's local runner decompresses and drops the extension; inline does not
    path = write(tmp_path / 'copy-of-input', compress(XML))
    assert list(read_bills(path, 'hr1-113-ih.xml.gz')) == [('hr1-113-ih', XML, None)]


def test_zip_members(tmp_path):
    path = tmp_path / 'BILLS-113-1-hr.zip'
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('BILLS-113hr1ih.xml', XML)
        z.writestr('sub/', b'')
        z.writestr('sub/BILLS-113hr2ih.XML', XML + b' ')
        z.writestr('README.txt', b'not a bill')
        z.writestr('../../evil.xml', XML)
    assert list(read_bills(str(path))) == [
        ('BILLS-113hr1ih', XML, None), ('BILLS-113hr2ih', XML + b' ', None),
        ('README.txt', None, 'not an XML file'), ('evil', XML, None)]


def test_empty_zip(tmp_path):
    path = tmp_path / 'empty.zip'
    zipfile.ZipFile(path, 'w').close()
    assert list(read_bills(str(path))) == []


def test_zip_bomb_is_skipped_before_inflating(tmp_path):
    path = tmp_path / 'bomb.zip'
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('big.xml', b'<bill>' + b' ' * 5_000_000 + b'</bill>')
        z.writestr('small.xml', XML)
    assert list(read_bills(str(path), limit=1_000_000)) == [
        ('big', None, 'too large: 5000013 bytes'), ('small', XML, None)]


def test_zip_member_that_lies_about_its_size(tmp_path):
    path = tmp_path / 'liar.zip'
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('big.xml', b' ' * 3_000_000)
    data = bytearray(path.read_bytes())
    # shrink the uncompressed size in both headers, as a crafted bomb would
    for header, offset in ((b'PK\x03\x04', 22), (b'PK\x01\x02', 24)):
        at = data.index(header) + offset
        data[at:at + 4] = (1000).to_bytes(4, 'little')
    path.write_bytes(bytes(data))
    # zipfile stops at the declared size, and the CRC then shows the lie
    with pytest.raises(BadFile, match='liar.zip'):
        list(read_bills(str(path), limit=1_000_000))


def test_gzip_bomb_is_skipped(tmp_path):
    path = write(tmp_path / 'x.xml.gz', gzip.compress(b' ' * 3_000_000))
    assert list(read_bills(path, limit=1_000_000)) == [
        ('x', None, 'too large: inflates past 1000000 bytes')]


@pytest.mark.parametrize('damage', [
    lambda: gzip.compress(XML * 100)[:60],
    lambda: bz2.compress(XML * 100)[:60],
    lambda: b'\x1f\x8bnot gzip at all',
])
def test_damaged_file_names_the_file(tmp_path, damage):
    path = write(tmp_path / 'cut.xml.gz', damage())
    with pytest.raises(BadFile, match='cut.xml.gz: '):
        list(read_bills(path))


def test_truncated_zip(tmp_path):
    path = tmp_path / 'cut.zip'
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('a.xml', XML * 1000)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(BadFile, match='cut.zip: '):
        list(read_bills(str(path)))
