"""Pageview lines counted a chunk at a time in Arrow's C++, not a Python loop a line.

A map task hands :func:`count_chunk` every chunk of a dump (a few MB of whole
lines) that holds no control byte. Arrow's CSV reader splits it into four
fields, and its compute kernels pick out the common lines and sum their views
by key. Those lines are the same in both parsers: four fields, none of them
empty, a size of digits, and views of 1 to 12 digits. At most 12 digits means
that a million lines of them cannot overflow an int64 sum.

Every other line (wrong number of fields, an empty field, views or size not
digits, views of 13 digits or more) is returned by its position in the chunk.
The caller hands it to the parser of :mod:`jobs.pageviews`, which counts it,
judges it, or names the reason it is malformed. A chunk with a control byte
goes there whole, because Arrow ends a line at ``\\r`` too. So does a line
that starts with a UTF-8 byte order mark where Arrow would drop it.

:class:`Sums` holds a map task's sums in Arrow. :func:`records` cuts them into
the records the reducers read, partitioned by :func:`partitions_of`: one stable
hash of a key's bytes, computed with numpy over many keys at once. Every task
uses it, in bulk or not (:func:`jobs.pageview_job.by_partition`).

Measured on a 4 M-line hour of the bench, this takes 1.8 s where the Python loop
takes 4.6 s (bench/README.md).
"""
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as csv

from jobs.rows import SEP

__all__ = ['MOST_DIGITS', 'takes', 'count_chunk', 'lines_at', 'pairs', 'prefixed', 'Sums',
           'records', 'by_partition', 'partitions_of', 'pack']

FIELDS = ['domain', 'title', 'views', 'size']
MOST_DIGITS = 12
BOM = b'\xef\xbb\xbf'
# Sums past this are handed back as Python ints. Below it, a sum cannot
# overflow int64 even after RESUM_ROWS more rows of views below 10**12 are
# added.
BIG = 1 << 62
RESUM_ROWS = 4_000_000
# keys made into records at a time: about 150 bytes each while they are
SLICE_ROWS = 1 << 19
_PARSE = dict(delimiter=' ', quote_char=False, escape_char=False, double_quote=False,
              newlines_in_values=False, ignore_empty_lines=False)
# every field as bytes, never null: the rules are judged after parsing
_CONVERT = csv.ConvertOptions(column_types=dict.fromkeys(FIELDS, pa.binary()), null_values=[],
                              strings_can_be_null=False)
_SCHEMA = pa.schema([('key', pa.binary()), ('views', pa.int64())])


_CONTROL = bytes(range(0x00, 0x0a)) + bytes(range(0x0b, 0x20))


def takes(data):
    """Whether :func:`count_chunk` reads ``data`` as the parser of
    jobs.pageviews would read it: no control byte but the line end."""
    return len(data.translate(None, _CONTROL)) == len(data)


def count_chunk(data, by_domain=False):
    """Sum the views of the common lines of ``data``.

    ``data`` is whole lines, the last one with or without its newline, for
    which :func:`takes` is true. Lines are keyed by ``domain title``, or by
    ``domain`` when ``by_domain`` is true. Returns ``(keys, views, others,
    lines)``: the distinct keys and their sums as Arrow arrays, the positions
    (from 0, in order) of the lines that are not common, and how many lines
    ``data`` holds.
    """
    # Lines of other than 4 fields are found here and left out of what Arrow
    # reads, not given to its handler of such lines: that one fails on a
    # line that is not UTF-8. Spaces are counted between line ends.
    octets = np.frombuffer(data, np.uint8)
    marks = np.flatnonzero((octets == ord('\n')) | (octets == ord(' ')))
    ends = np.flatnonzero(octets[marks] == ord('\n'))
    starts = np.concatenate(([0], marks[ends] + 1))
    if not data.endswith(b'\n'):
        ends = np.append(ends, len(marks))
    spaces = np.diff(ends, prepend=-1) - 1
    given = spaces == 3
    four = np.flatnonzero(given)
    while len(four) and data.startswith(BOM, starts[four[0]]):
        # Arrow would drop a byte order mark at the start of what it reads
        given[four[0]] = False
        four = four[1:]
    wrong = np.flatnonzero(~given)
    if len(wrong):
        runs, at = [], 0
        for bad in wrong.tolist():
            runs.append(data[at:starts[bad]])
            at = starts[bad + 1] if bad + 1 < len(starts) else len(data)
        runs.append(data[at:])
        data = b''.join(runs)
    if not data:
        return pa.array([], pa.binary()), pa.array([], pa.int64()), wrong.tolist(), len(spaces)
    table = csv.read_csv(
        pa.py_buffer(data),
        read_options=csv.ReadOptions(column_names=FIELDS, use_threads=False,
                                     block_size=len(data) + 1),
        parse_options=csv.ParseOptions(**_PARSE), convert_options=_CONVERT)
    # as text, unchecked: the ASCII predicates judge bytes, whatever they are
    views = pc.cast(table['views'], pa.string(), safe=False)
    size = pc.cast(table['size'], pa.string(), safe=False)
    common = pc.and_(
        pc.and_(pc.ascii_is_decimal(views), pc.less_equal(pc.binary_length(views), MOST_DIGITS)),
        pc.and_(pc.ascii_is_decimal(size),
                pc.and_(pc.greater(pc.binary_length(table['domain']), 0),
                        pc.greater(pc.binary_length(table['title']), 0))))
    kept = table.filter(common)
    keys = kept['domain'] if by_domain else pc.binary_join_element_wise(
        kept['domain'], kept['title'], b' ')
    summed = pa.table({'key': keys, 'views': pc.cast(views.filter(common), pa.int64())}) \
        .group_by('key').aggregate([('views', 'sum')])
    others = np.union1d(wrong, four[~common.to_numpy(zero_copy_only=False)])
    return (summed['key'].combine_chunks(), summed['views_sum'].combine_chunks(), others.tolist(),
            len(spaces))


def lines_at(data, positions):
    """The lines of ``data`` at ``positions`` (from 0, in order), without
    their line ends: a few lines, found without splitting every line."""
    newlines = np.flatnonzero(np.frombuffer(data, np.uint8) == ord('\n'))
    at = np.asarray(positions, np.int64)
    ends = np.append(newlines, len(data))[at].tolist()
    starts = np.where(at > 0, newlines[np.maximum(at - 1, 0)] + 1, 0).tolist() if len(newlines) \
        else [0] * len(at)
    return [data[a:b] for a, b in zip(starts, ends)]


def pairs(keys, views):
    """``(key, views)`` pairs of Arrow arrays, as Python objects (through
    numpy: 15 times faster than pyarrow's to_pylist on binary arrays)."""
    return zip(keys.to_numpy(zero_copy_only=False).tolist(), views.to_numpy().tolist())


def prefixed(prefix, keys):
    """The binary array ``keys``, each key after ``prefix`` (bytes)."""
    return pc.binary_join_element_wise(pa.scalar(prefix, pa.binary()), keys, b'')


class Sums:
    """A map task's sums by key, held in Arrow: each chunk's, summed again
    when RESUM_ROWS rows have come in since the last time."""

    def __init__(self):
        self._parts, self._new, self.rows = [], 0, 0

    def add(self, keys, views):
        """Add the sums of one chunk: arrays of distinct keys and their views;
        returns ``(key, views)`` pairs that no longer fit int64, if any."""
        self._parts.append(pa.table([keys, views], schema=_SCHEMA))
        self._new += len(keys)
        self.rows += len(keys)
        return self.compact() if self._new >= RESUM_ROWS else []

    def compact(self):
        """Sum the chunks' sums: ``rows`` becomes the number of distinct keys.
        Returns ``(key, views)`` pairs that no longer fit int64, if any."""
        table = pa.concat_tables(self._parts).group_by('key').aggregate([('views', 'sum')])
        keys, views = table['key'].combine_chunks(), table['views_sum'].combine_chunks()
        big = pc.greater_equal(views, BIG)
        large = list(pairs(keys.filter(big), views.filter(big)))
        if large:
            small = pc.invert(big)
            keys, views = keys.filter(small), views.filter(small)
        self._parts = [pa.table([keys, views], schema=_SCHEMA)]
        self._new, self.rows = 0, len(keys)
        return large

    def take(self):
        """``(keys, views, large)``: every key's sum, as two arrays and a list
        of ``(key, views)`` pairs too big for int64 (rare); then forget them."""
        large = self.compact() if self._parts else []
        table = self._parts[0] if self._parts else _SCHEMA.empty_table()
        self._parts, self._new, self.rows = [], 0, 0
        return table['key'].combine_chunks(), table['views'].combine_chunks(), large


def records(keys, views, partitions, record_rows):
    """``(partition, record)`` pairs for ``keys`` and their ``views`` (Arrow
    arrays): rows ``key views`` joined by SEP, up to ``record_rows`` in a
    record, as :meth:`jobs.pageview_job.PageviewJob.records_of_views` makes
    them from a dict, but with no Python loop a key. A slice of SLICE_ROWS
    keys at a time, which bounds what the work holds besides the sums."""
    for start in range(0, len(keys), SLICE_ROWS):
        yield from _records(keys.slice(start, SLICE_ROWS), views.slice(start, SLICE_ROWS),
                            partitions, record_rows)


def _records(keys, views, partitions, record_rows):
    part = partitions_of(*_buffers(keys), partitions)
    order = np.argsort(part, kind='stable')
    keys, views, part = keys.take(pa.array(order)), views.take(pa.array(order)), part[order]
    # "key views" + SEP, one after another in one buffer
    ends = pc.binary_join_element_wise(pc.cast(pc.cast(views, pa.string()), pa.binary()), b'', SEP)
    data, offsets = _buffers(pc.binary_join_element_wise(keys, ends, b' '))
    bounds = np.flatnonzero(np.diff(part)) + 1
    for start, stop in zip([0, *bounds.tolist()], [*bounds.tolist(), len(part)]):
        for a in range(start, stop, record_rows):
            b = min(a + record_rows, stop)
            yield b'%d' % part[a], data[offsets[a]:offsets[b] - 1].tobytes()


def _buffers(array):
    """A binary array's bytes and its offsets (numpy uint8 and int64)."""
    _, offsets, data = array.buffers()
    offsets = np.frombuffer(offsets, dtype=np.int32, count=len(array) + 1, offset=array.offset * 4)
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    return data, offsets.astype(np.int64)


def by_partition(keys, values, partitions):
    """``keys`` (a list of bytes) and their ``values`` (a list) in
    ``partitions`` pairs of lists, by :func:`partitions_of`."""
    part = partitions_of(*pack(keys), partitions)
    order = np.argsort(part, kind='stable')
    bounds = np.searchsorted(part[order], np.arange(partitions + 1)).tolist()
    # object arrays: taking from them is done in C, and values are any object
    keys = np.array(keys + [None], dtype=object)[:-1][order]
    values = np.array(values + [None], dtype=object)[:-1][order]
    return [(keys[a:b].tolist(), values[a:b].tolist()) for a, b in zip(bounds, bounds[1:])]


def pack(keys):
    """The bytes of a list of keys and their offsets, as :func:`partitions_of` takes them."""
    offsets = np.zeros(len(keys) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, keys), np.int64, len(keys)), out=offsets[1:])
    return np.frombuffer(b''.join(keys), np.uint8), offsets


# splitmix64's and xxHash's odd constants
_C1, _C2, _C3 = (np.uint64(c) for c in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9))


def partitions_of(data, offsets, partitions):
    """The partition, in ``range(partitions)``, of each key whose bytes are
    ``data[offsets[i]:offsets[i + 1]]``: a hash of its length, its first 8
    bytes and its last 8 (each read as a little-endian number, zero-padded)
    mixed as splitmix64 mixes. The same on every machine and in every process."""
    starts, ends = offsets[:-1], offsets[1:]
    lengths = (ends - starts).astype(np.uint64)
    head = np.zeros(len(starts), np.uint64)
    tail = np.zeros(len(starts), np.uint64)
    last = max(len(data) - 1, 0)
    padded = data if len(data) else np.zeros(1, np.uint8)
    tail_starts = np.maximum(starts, ends - 8)
    for k in range(8):
        shift = np.uint64(8 * k)
        at = starts + k
        head |= np.where(at < ends, padded[np.minimum(at, last)], 0).astype(np.uint64) << shift
        at = tail_starts + k
        tail |= np.where(at < ends, padded[np.minimum(at, last)], 0).astype(np.uint64) << shift
    with np.errstate(over='ignore'):
        h = head * _C1 ^ tail * _C2 ^ lengths * _C3
        h ^= h >> np.uint64(30)
        h *= _C2
        h ^= h >> np.uint64(27)
        h *= _C3
        h ^= h >> np.uint64(31)
    return (h % np.uint64(partitions)).astype(np.int64)
