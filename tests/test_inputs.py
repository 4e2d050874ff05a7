import bz2
import os

import pytest

from jobs.inputs import InputError, damage_of, expand_inputs, looks_like, open_dump


@pytest.fixture
def tree(tmp_path):
    for name in ['a/1.gz', 'a/b/2.txt', 'a/_SUCCESS', 'a/.part.crc', 'a/_logs/x', 'c.txt']:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    (tmp_path / 'empty').mkdir()
    return tmp_path


def test_directories_globs_and_files(tree):
    got = expand_inputs([str(tree / 'a'), str(tree / '*.txt'), 'file://%s' % (tree / 'c.txt')])
    assert got == [str(tree / 'a' / '1.gz'), str(tree / 'a' / 'b' / '2.txt'),
                   str(tree / 'c.txt'), str(tree / 'c.txt')]


def test_remote_and_stdin_left_to_mrjob():
    args = ['s3://bucket/dir/', 'hdfs:///x/*.gz', '-']
    assert expand_inputs(args) == args


@pytest.mark.parametrize('arg, message', [
    ('missing.txt', 'input not found: {tree}/missing.txt'),
    ('*.nothing', 'no input matches {tree}/*.nothing'),
    ('empty', 'no input files in directory {tree}/empty'),
])
def test_errors_name_the_path(tree, arg, message):
    with pytest.raises(InputError) as e:
        expand_inputs([str(tree / arg)])
    assert str(e.value) == message.format(tree=tree)


@pytest.mark.skipif(os.geteuid() == 0, reason='root reads every file')
def test_unreadable_file(tree):
    (tree / 'c.txt').chmod(0)
    with pytest.raises(InputError, match='cannot read input'):
        expand_inputs([str(tree / 'c.txt')])


def _gz(data):
    import gzip
    return gzip.compress(data)


def _bz2(data):
    import bz2
    return bz2.compress(data)


def _zip(data):
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('a.xml', data)
    return buf.getvalue()


DATA = b''.join(b'en Page_%d %d 0\n' % (i, i) for i in range(20000))


@pytest.mark.parametrize('name, content, damage', [
    ('plain.txt', DATA, None),
    ('empty', b'', None),
    ('x.gz', _gz(DATA), None),
    ('x.bz2', _bz2(DATA), None),
    ('x.zip', _zip(DATA), None),
    ('x-misnamed', _gz(DATA), None),
    ('x.gz', _gz(DATA)[:len(_gz(DATA)) // 2], 'Compressed file ended before the end-of-stream marker was reached'),
    ('x.bz2', _bz2(DATA)[:len(_bz2(DATA)) // 2], 'Compressed file ended before the end-of-stream marker was reached'),
    ('x.gz', DATA, 'not gzip data, though named .gz'),
    ('x.gz', b'', None),
    ('x.bz2', DATA, 'Invalid data stream'),
    ('x.zip', _zip(DATA)[:len(_zip(DATA)) // 2], 'File is not a zip file'),
    ('x.gz', _gz(DATA)[:-8] + b'\0' * 8, 'CRC check failed'),
    ('x.gz', _gz(DATA) + b'junk', 'Compressed file ended before the end-of-stream marker'),
])
def test_damage_of(tmp_path, name, content, damage):
    path = tmp_path / name
    path.write_bytes(content)
    found = damage_of(str(path))
    if damage is None:
        assert found is None
    else:
        assert found.startswith(damage)


def test_text_that_starts_with_bzh_is_not_bzip2(tmp_path):
    # a plain dump whose first line starts with BZh, as a domain code could
    plain = tmp_path / 'pagecounts-20120101-000000'
    plain.write_bytes(b'BZh Main_Page 3 0\nen A 1 0\n')
    assert damage_of(str(plain)) is None
    with open_dump(str(plain)) as f:
        assert f.read() == plain.read_bytes()
    # while real bzip2, empty or not, is
    for data in (b'', b'en A 1 0\n'):
        packed = tmp_path / 'x.bz2'
        packed.write_bytes(bz2.compress(data))
        with open_dump(str(packed)) as f:
            assert f.read() == data


def _empty_zip():
    import io
    import zipfile
    buf = io.BytesIO()
    zipfile.ZipFile(buf, 'w').close()
    return buf.getvalue()


@pytest.mark.parametrize('content, looks', [
    (b'<?xml version="1.0"?>\n<bill/>', 'bill XML'),
    (b'\xef\xbb\xbf  <bill/>', 'bill XML'),
    (_gz(b'<bill/>'), 'bill XML'),
    (b'hr1-118-ih\t"<bill/>"\n', 'packed bills'),
    (_bz2(b'hr1-118-ih\t"<bill/>"\n'), 'packed bills'),
    (b'en Main_Page 3 0\n', 'a pageview dump'),
    (_gz(DATA), 'a pageview dump'),
    (_zip(b'<bill/>'), 'a zip archive'),
    (_empty_zip(), 'a zip archive'),
    (b'', None),
    (b'# a Makefile\n', None),
])
def test_looks_like(tmp_path, content, looks):
    path = tmp_path / 'input'
    path.write_bytes(content)
    assert looks_like(str(path)) == looks
