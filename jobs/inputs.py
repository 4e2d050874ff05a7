"""Expand the input arguments of a job into the files it reads, and check
that compressed ones are whole.

mrjob's ``mapper_raw`` rejects local directories, and its runners disagree on
globs and hidden files; expanding local inputs up front gives every job and
every runner the same list. Remote URIs (``s3://``, ``hdfs://``) are left to
mrjob's filesystems, which already expand directories and globs.

mrjob's own readers take a cut-off ``.gz`` for a short one: its lines are
counted as far as they go, and nothing says the rest is missing. Hadoop and
Spark fail on one. So local compressed files are read to their end before a
job starts (:func:`damage_of`), and a damaged file is an error or, if the user
asks, skipped whole, never half counted.
"""
import atexit
import bz2
import functools
import glob
import os
import re
import shutil
import tempfile
import zipfile
import zlib

# ISA-L's gzip reader: the same checks as the standard library's, three times
# as fast, and inflating gzip is much of what a pageview job does
from isal import igzip

from jobs.interrupts import on_forced_exit

__all__ = ['SUCCESS', 'InputError', 'expand_inputs', 'damage_of', 'is_bzip2', 'is_zip', 'is_local', 'local_path', 'open_dump',
           'looks_like', 'printable_name', 'scratch_dir']

_GLOB_CHARS = frozenset('*?[')
# the marker of a finished job's output directory (Hadoop's, and ours: jobs.outputs)
SUCCESS = '_SUCCESS'


class InputError(ValueError):
    """An input argument that names nothing readable."""


def _is_hidden(name):
    # Hadoop's FileInputFormat skips these too: _SUCCESS, _logs, .crc files
    return name.startswith(('.', '_'))


def _files_below(top):
    for root, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not _is_hidden(d))
        for name in sorted(names):
            if not _is_hidden(name):
                yield os.path.join(root, name)


def local_path(arg):
    """A local input or output argument as a path (``file://`` taken off)."""
    return arg[len('file://'):] if arg.startswith('file://') else arg


def _expand_one(arg):
    path = local_path(arg)
    if _GLOB_CHARS & set(path):
        matches = sorted(glob.glob(path))
        if not matches:
            raise InputError('no input matches %s' % arg)
    elif not os.path.exists(path):
        raise InputError('input not found: %s' % arg)
    else:
        matches = [path]

    for match in matches:
        if os.path.isdir(match):
            names = os.listdir(match)
            if any(n.startswith('part-') for n in names) and SUCCESS not in names:
                raise InputError('%s is the output of a job that did not finish (no %s)'
                                 % (match, SUCCESS))
            files = list(_files_below(match))
            if not files:
                raise InputError('no input files in directory %s' % match)
        else:
            files = [match]
        for f in files:
            if not os.access(f, os.R_OK):
                raise InputError('cannot read input %s' % f)
            yield f


_CONTROL_CHARS = re.compile('[\x00-\x1f\x7f]')


def printable_name(name):
    """A file or member name as text that any stream can print and no
    tab-separated line mistakes: bytes that are not UTF-8 (a name such as
    ``caf\\xe9.txt``) and control characters (a tab, a newline) as ``\\xNN``."""
    text = os.fsencode(name).decode('utf-8', 'backslashreplace')
    return _CONTROL_CHARS.sub(lambda m: '\\x%02x' % ord(m.group()), text)


def is_local(arg):
    return arg != '-' and ('://' not in arg or arg.startswith('file://'))


def expand_inputs(args):
    """Return the files named by ``args``: local files as given, every
    non-hidden file below a local directory, the matches of a local glob (sorted),
    and ``-`` and remote URIs unchanged. Raises InputError naming the first
    argument that gives no readable file."""
    files = []
    for arg in args:
        if not is_local(arg):
            files.append(arg)
        else:
            files.extend(_expand_one(arg))
    return files


_CHUNK = 1 << 22


def _read_to_end(f):
    while f.read(_CHUNK):
        pass


def first_bytes(path, n):
    """The first ``n`` bytes of a file (fewer if it is shorter). No file
    object: making one also stats the file and asks if it is a terminal,
    which doubles the time to look into 10,000 small files."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, n)
    finally:
        os.close(fd)


def is_bzip2(magic):
    """Whether a file's first 10 bytes start a bzip2 stream: ``BZh``, the block
    size digit, then a block's magic (pi's digits) or the end of an empty
    stream (sqrt(pi)'s). Text that starts with ``BZh`` is not bzip2."""
    return (magic[:3] == b'BZh' and magic[3:4] in b'123456789' and len(magic) >= 10
            and magic[4:10] in (b'1AY&SY', b'\x17rE8P\x90'))


def is_zip(magic):
    """Whether a file's first bytes start a zip archive: a member's local
    header, or the end record of an empty archive."""
    return magic[:4] in (b'PK\x03\x04', b'PK\x05\x06')


def damage_of(path, zip_member_limit=256 * 1024 * 1024):
    """Why the local file at ``path`` cannot be read whole, or None.

    Compression is recognised by content and by name: mrjob decompresses by
    name, so a ``.gz`` that is not gzip data is damaged too. Zip members
    larger than ``zip_member_limit`` are left for the job to skip unread.
    """
    magic = first_bytes(path, 10)
    name = path.lower()
    if not magic:
        return None  # an empty file is empty whatever its name
    try:
        if magic.startswith(b'\x1f\x8b'):
            with igzip.open(path) as f:
                _read_to_end(f)
        elif name.endswith('.gz'):
            return 'not gzip data, though named .gz'
        elif is_bzip2(magic) or name.endswith('.bz2'):
            with bz2.open(path) as f:
                _read_to_end(f)
        elif is_zip(magic) or name.endswith('.zip'):
            with zipfile.ZipFile(path) as z:
                for info in z.infolist():
                    if info.file_size <= zip_member_limit:
                        with z.open(info) as f:  # checks the CRC at the end
                            _read_to_end(f)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as e:
        return str(e) or type(e).__name__
    return None


# what a file's first line looks like: a packed bill (bill_id<TAB>JSON
# string), a pageview dump line (domain title views [bytes or hourly counts])
_PACKED_LINE = re.compile(rb'[^\t<\s]+\t"')
_DUMP_LINE = re.compile(rb'\S+ \S+ \d+( \S+)?\r?$')


def looks_like(path):
    """What a local input file seems to hold, from its first bytes: 'bill XML',
    'packed bills', 'a pageview dump', 'a zip archive' or None (unknown)."""
    try:
        # by its first bytes, as jobs.billfiles reads a zip: zipfile's test
        # reads up to 64 KB more at the end of every other file
        magic = first_bytes(path, 10)
        if is_zip(magic):
            return 'a zip archive'
        with open_dump(path, magic) as f:
            head = f.read(4096)
    except (OSError, EOFError, ValueError):
        return None
    text = head.lstrip(b'\xef\xbb\xbf\xff\xfe \t\r\n').replace(b'\x00', b'')
    if text.startswith(b'<'):
        return 'bill XML'
    first = head.split(b'\n', 1)[0]
    if _PACKED_LINE.match(first):
        return 'packed bills'
    if _DUMP_LINE.match(first):
        return 'a pageview dump'
    return None


def open_dump(path, magic=None):
    """A binary file object for a dump, decompressed as its first bytes say
    (``magic``, its first 10, if the caller has read them)."""
    if magic is None:
        magic = first_bytes(path, 10)
    if magic.startswith(b'\x1f\x8b'):
        return igzip.open(path)
    if is_bzip2(magic):
        return bz2.open(path)
    return open(path, 'rb')


@functools.lru_cache(maxsize=None)
def scratch_dir():
    """A directory for files the launcher makes, removed when it exits."""
    tmp = tempfile.mkdtemp(prefix='mrtally-')
    atexit.register(shutil.rmtree, tmp, True)
    on_forced_exit(lambda: shutil.rmtree(tmp, True))
    return tmp
