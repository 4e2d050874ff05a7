"""Read the bill documents in one input file: loose XML, gzip, bzip2, or a
govinfo bulk ``.zip`` of many bills.

The format comes from the file's first bytes, not its name: mrjob's inline
runner hands ``mapper_raw`` a ``.gz`` as it is, while the local runner and
Hadoop's input manifest decompress it first and drop the extension.
"""
import bz2
import gzip
import io
import os
import posixpath
import zipfile
import zlib

from jobs.inputs import is_bzip2, is_zip, printable_name

__all__ = ['BadFile', 'read_bills', 'bill_id_of', 'MAX_BILL_BYTES']

# The largest real bills (omnibus appropriations) are tens of MB of XML; a
# member that inflates past this is a zip bomb, not a bill.
MAX_BILL_BYTES = 256 * 1024 * 1024
_CHUNK = 1 << 16

_GZIP = b'\x1f\x8b'


class BadFile(ValueError):
    """An input file that cannot be read whole (damaged or truncated archive)."""


def bill_id_of(name):
    """The natural id of a bill file: its base name without ``.gz``/``.bz2``
    and ``.xml`` (``hres67-113-ih.xml.gz`` -> ``hres67-113-ih``)."""
    base = posixpath.basename(name.replace('\\', '/'))
    for ext in ('.gz', '.bz2', '.xml'):
        if base.lower().endswith(ext):
            base = base[:-len(ext)]
    # ids are written in tab-separated lines and logs
    return printable_name(base)


def _read_bounded(bill_id, f, limit):
    # read(limit + 1) would allocate limit bytes for every small bill
    if isinstance(f, io.BufferedReader):  # a plain file: its size is known
        size = os.fstat(f.fileno()).st_size
        if size <= limit:
            return bill_id, f.read(), None
        return bill_id, None, 'too large: %d bytes' % size
    chunks, size = [], 0
    while size <= limit:
        chunk = f.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            return bill_id, b''.join(chunks), None
        chunks.append(chunk)
        size += len(chunk)
    return bill_id, None, 'too large: inflates past %d bytes' % limit


def read_bills(path, name=None, limit=MAX_BILL_BYTES):
    """Yield ``(bill_id, xml_bytes, None)`` for each document in the file at
    ``path``, or ``(bill_id, None, reason)`` for one to skip unread: a zip
    member that is not a ``.xml`` file, or a document that inflates past
    ``limit`` bytes (a zip or gzip bomb).

    ``name`` is the file's original name or URI (for ids and messages; default
    ``path``). Raises BadFile for a damaged file.
    """
    name = name or path
    try:
        with open(path, 'rb') as f:
            magic = f.read(10)
            f.seek(0)
            if magic.startswith(_GZIP):
                with gzip.GzipFile(fileobj=f) as g:
                    yield _read_bounded(bill_id_of(name), g, limit)
            elif is_bzip2(magic):
                with bz2.BZ2File(f) as b:
                    yield _read_bounded(bill_id_of(name), b, limit)
            elif is_zip(magic):
                yield from _read_zip(f, limit)
            else:
                yield _read_bounded(bill_id_of(name), f, limit)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as e:
        raise BadFile('%s: %s' % (name, e)) from None


def _read_zip(f, limit):
    with zipfile.ZipFile(f) as z:
        for info in z.infolist():
            if info.is_dir():
                continue
            # Members are read into memory, never extracted, so a name like
            # ../../etc/passwd is only a name.
            if not info.filename.lower().endswith('.xml'):
                yield info.filename, None, 'not an XML file'
            elif info.file_size > limit:
                yield bill_id_of(info.filename), None, 'too large: %d bytes' % info.file_size
            else:
                with z.open(info) as f:
                    yield _read_bounded(bill_id_of(info.filename), f, limit)
