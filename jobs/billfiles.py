"""Read the bill documents in one input file: loose XML, gzip, bzip2, or a
govinfo bulk ``.zip`` of many bills.

The format comes from the file's first bytes, not its name: mrjob's inline
runner hands ``mapper_raw`` a ``.gz`` as it is, while the local runner and
Hadoop's input manifest decompress it first and drop the extension.
"""
import bz2
import gzip
import posixpath
import zipfile
import zlib

__all__ = ['BadFile', 'read_bills', 'bill_id_of', 'MAX_BILL_BYTES']

# The largest real bills (omnibus appropriations) are tens of MB of XML; a
# member that inflates past this is a zip bomb, not a bill.
MAX_BILL_BYTES = 256 * 1024 * 1024

_GZIP = b'\x1f\x8b'
_BZIP2 = b'BZh'
_ZIP = b'PK\x03\x04'
_EMPTY_ZIP = b'PK\x05\x06'


class BadFile(ValueError):
    """An input file that cannot be read whole (damaged or truncated archive)."""


def bill_id_of(name):
    """The natural id of a bill file: its base name without ``.gz``/``.bz2``
    and ``.xml`` (``hres67-113-ih.xml.gz`` -> ``hres67-113-ih``)."""
    base = posixpath.basename(name.replace('\\', '/'))
    for ext in ('.gz', '.bz2', '.xml'):
        if base.lower().endswith(ext):
            base = base[:-len(ext)]
    return base


def _read_bounded(f, limit):
    data = f.read(limit + 1)
    if len(data) > limit:
        raise BadFile('inflates past %d bytes' % limit)
    return data


def read_bills(path, name=None, limit=MAX_BILL_BYTES):
    """Yield ``(bill_id, xml_bytes)`` for each document in the file at ``path``.

    ``name`` is the file's original name or URI (for ids and messages; default
    ``path``). Zip members that are not ``.xml`` files are yielded with
    ``xml_bytes`` None, so that the caller can count them. Raises BadFile for
    a damaged file.
    """
    name = name or path
    with open(path, 'rb') as f:
        magic = f.read(4)
    try:
        if magic.startswith(_GZIP):
            with gzip.open(path) as f:
                yield bill_id_of(name), _read_bounded(f, limit)
        elif magic.startswith(_BZIP2):
            with bz2.open(path) as f:
                yield bill_id_of(name), _read_bounded(f, limit)
        elif magic in (_ZIP, _EMPTY_ZIP):
            yield from _read_zip(path, limit)
        else:
            with open(path, 'rb') as f:
                yield bill_id_of(name), _read_bounded(f, limit)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as e:
        raise BadFile('%s: %s' % (name, e)) from None
    except BadFile as e:
        raise BadFile('%s: %s' % (name, e)) from None


def _read_zip(path, limit):
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if info.is_dir():
                continue
            # Members are read into memory, never extracted, so a name like
            # ../../etc/passwd is only a name.
            if not info.filename.lower().endswith('.xml'):
                yield info.filename, None
                continue
            if info.file_size > limit:
                raise BadFile('%s inflates past %d bytes' % (info.filename, limit))
            with z.open(info) as f:
                yield bill_id_of(info.filename), _read_bounded(f, limit)
