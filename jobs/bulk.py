"""Pageview lines counted a chunk at a time in Arrow's C++, not a Python loop a line.

A map task hands :func:`count_chunk` every chunk of a dump (a few MB of whole
lines) that holds no control byte. numpy finds where its spaces and line ends
are, and so the lines of four fields, none of them empty. Their fields become
items of one Arrow array over the chunk's own bytes (offsets, no copy), and
Arrow's compute kernels pick out the common lines and sum their views by key:
views of 1 to 12 digits and a size of digits. Those lines are the same in both
parsers. At most 12 digits means that a million lines of them cannot overflow
an int64 sum. Keying by domain (MRDomainViews, MRHourlyViews) copies no titles.
Arrow's CSV reader did the splitting before, and cost a map task of the bench's
hour about 0.3 s of CPU more (bench/README.md).

Every other line (wrong number of fields, an empty field, views or size not
digits, views of 13 digits or more) is returned with its position in the chunk.
The caller hands it to the parser of :mod:`jobs.pageviews`, which counts it,
judges it, or names the reason it is malformed. A chunk with a control byte
goes there whole: the parser drops a ``\\r`` before a line end and refuses any
other.

:class:`Sums` holds a map task's sums in Arrow. :func:`records` cuts them into
the records the reducers read, partitioned by :func:`partitions_of`: one stable
hash of a key's bytes, computed with numpy over many keys at once. Every task
uses it, in bulk or not (:func:`jobs.pageview_job.by_partition`).

A reducer reads those records back with :func:`rows_of` and sums them in
:class:`Sums` too. :func:`ranked_chunks` sorts sums into MRPageViews' output
rows, as jobs.rows.chunks_of_run would sort them, without a Python loop a row.
On a bench partition of 890 k rows, a reducer by hand took 1.55 s this way,
against 1.98 s for the Python dict and sort (bench/README.md).

Measured on a 4 M-line hour of the bench, this takes 1.8 s where the Python loop
takes 4.6 s (bench/README.md).
"""
from itertools import chain

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jobs.rows import CHUNK_BYTES, CHUNK_ROWS, SEP, chunk_bounds
from jobs.tally import LETTERS, NINE_MINUS
from jobs.topn import LIGHT

# Tasks run a core each (a local runner's slots, a cluster's containers), so
# Arrow's pool of a thread a core only has them contend (bench/README.md).
pa.set_cpu_count(1)

__all__ = ['MOST_DIGITS', 'takes', 'count_chunk', 'pairs', 'prefixed', 'Sums', 'with_pairs',
           'records', 'light_records', 'heavy_and_light', 'domain_records', 'rows_of',
           'count_by_domain', 'without', 'ranked_chunks', 'by_partition', 'partitions_of',
           'pack', 'key_hashes', 'spread', 'spread_records', 'spread_sums']

MOST_DIGITS = 12
# Sums past this are handed back as Python ints. Below it, a sum cannot
# overflow int64 even after RESUM_ROWS more rows of views below 10**12 are
# added.
BIG = 1 << 62
RESUM_ROWS = 4_000_000
# keys made into records or Python objects at a time: about 150 bytes
# each while they are, besides their own (which SLICE_BYTES bounds: 524,288
# keys of 1,000 bytes would be half a GB)
SLICE_ROWS = 1 << 19
SLICE_BYTES = 1 << 25
# rows spread over a reducer's spill files at a time (:func:`spread`): few
# numpy calls a row, and a few copies of them held (4 MB took a reducer at
# --memory 384 to 403 MB once; bench/README.md)
SPREAD_ROWS = 1 << 16
SPREAD_BYTES = 1 << 20
_SCHEMA = pa.schema([('key', pa.binary()), ('views', pa.int64())])


_CONTROL = bytes(range(0x00, 0x0a)) + bytes(range(0x0b, 0x20))


def takes(data):
    """Whether :func:`count_chunk` may read ``data``: no control byte but
    the line end, which the parser of jobs.pageviews judges line by line."""
    return len(data.translate(None, _CONTROL)) == len(data)


def count_chunk(data, by_domain=False):
    """Sum the views of the common lines of ``data``.

    ``data`` is whole lines, the last one with or without its newline, for
    which :func:`takes` is true. Lines are keyed by ``domain title``, or by
    ``domain`` when ``by_domain`` is true. Returns ``(keys, views, others,
    lines)``: the distinct keys and their sums as Arrow arrays, the lines
    that are not common as ``(position, line)`` pairs (positions from 0, in
    order; lines without their line ends), and how many lines ``data`` holds.
    """
    # Where every space and line end is: with no other control byte, the
    # only bytes up to a space. Lines of other than 4 fields, or with an
    # empty domain or title, are found by them.
    octets = np.frombuffer(data, np.uint8)
    marks = np.flatnonzero(octets <= ord(' '))
    ends = np.flatnonzero(octets[marks] == ord('\n'))   # in marks
    starts = np.concatenate(([0], marks[ends] + 1))
    stops = marks[ends]
    if not data.endswith(b'\n'):
        ends = np.append(ends, len(marks))
        stops = np.append(stops, len(data))
    four = np.flatnonzero(np.diff(ends, prepend=-1) == 4)
    first = np.concatenate(([0], ends[:-1] + 1))[four]   # the first space, in marks
    one, two, three = marks[first], marks[first + 1], marks[first + 2]
    full = (one > starts[four]) & (two > one + 1)
    if not full.all():
        four, one, two, three = four[full], one[full], two[full], three[full]
    # The fields of those lines as items of one binary array over ``data``,
    # six a line: the key, what is between it and the views, the views, the
    # space, the size, and what is between the size and the next such line
    # (the line end, and the lines left out).
    n = len(four)
    offsets = np.empty(6 * n + 1, np.int32)
    offsets[0:6 * n:6] = starts[four]
    offsets[1::6] = one if by_domain else two
    offsets[2::6] = two + 1
    offsets[3::6] = three
    offsets[4::6] = three + 1
    offsets[5::6] = stops[four]
    offsets[6 * n] = offsets[6 * n - 1] if n else 0
    fields = pa.Array.from_buffers(pa.binary(), 6 * n,
                                   [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    at = np.arange(0, 6 * n, 6)
    # as text, unchecked: the ASCII predicates judge bytes, whatever they are
    views = pc.cast(fields.take(at + 2), pa.string(), safe=False)
    common = pc.and_(
        pc.and_(pc.ascii_is_decimal(views), pa.array(three - two <= MOST_DIGITS + 1)),
        pc.ascii_is_decimal(pc.cast(fields.take(at + 4), pa.string(), safe=False)))
    summed = pa.table({'key': fields.take(at).filter(common),
                       'views': pc.cast(views.filter(common), pa.int64())}) \
        .group_by('key').aggregate([('views', 'sum')])
    others = np.ones(len(ends), bool)
    others[four[common.to_numpy(zero_copy_only=False)]] = False
    return (summed['key'].combine_chunks(), summed['views_sum'].combine_chunks(),
            [(p, data[starts[p]:stops[p]]) for p in np.flatnonzero(others).tolist()], len(ends))


def pairs(keys, views):
    """``(key, views)`` pairs of Arrow arrays, as Python objects (through
    numpy: 15 times faster than pyarrow's to_pylist on binary arrays), made
    SLICE_ROWS keys or SLICE_BYTES bytes of them at a time."""
    for some, their in _slices(keys, views):
        yield from zip(some.to_numpy(zero_copy_only=False).tolist(), their.to_numpy().tolist())


def _slices(keys, views):
    """``(keys, views)`` slices of two arrays, SLICE_ROWS keys or SLICE_BYTES
    bytes of them each."""
    for a, b in chunk_bounds(_buffers(keys)[1], SLICE_ROWS, SLICE_BYTES):
        yield keys.slice(a, b - a), views.slice(a, b - a)


def prefixed(prefix, keys):
    """The binary array ``keys``, each key after ``prefix`` (bytes)."""
    return pc.binary_join_element_wise(pa.scalar(prefix, pa.binary()), keys, b'')


def with_pairs(keys, views, more):
    """``(keys, views)``: the distinct ``keys`` and their ``views`` (arrays)
    with the ``(key, views)`` pairs ``more`` added; or None if a sum does not
    stay below BIG."""
    more = list(more)
    if not more:
        return keys, views
    if max(n for _, n in more) >= BIG:
        return None
    sums = Sums()
    sums.add(keys, views)
    sums.add(pa.array([key for key, _ in more], pa.binary()),
             pa.array([n for _, n in more], pa.int64()))
    keys, views, large = sums.take()
    return None if large else (keys, views)


def data_bytes(keys):
    """The bytes of the values of ``keys``, an array of binary."""
    return pc.sum(pc.binary_length(keys)).as_py() or 0


class Sums:
    """A map task's sums by key, held in Arrow: each chunk's, summed again
    when RESUM_ROWS rows have come in since the last time."""

    def __init__(self):
        self._parts, self._new, self.rows, self.key_bytes = [], 0, 0, 0

    def add(self, keys, views):
        """Add the sums of one chunk (or a reducer's rows): arrays of keys and
        their views; returns ``(key, views)`` pairs that no longer fit int64,
        if any."""
        self._parts.append(pa.table([keys, views], schema=_SCHEMA))
        self._new += len(keys)
        self.rows += len(keys)
        self.key_bytes += data_bytes(keys)
        return self.compact() if self._new >= RESUM_ROWS else []

    def compact(self):
        """Sum the chunks' sums: ``rows`` becomes the number of distinct keys,
        ``key_bytes`` their bytes. Returns ``(key, views)`` pairs that no
        longer fit int64, if any."""
        table = pa.concat_tables(self._parts).group_by('key').aggregate([('views', 'sum')])
        keys, views = table['key'].combine_chunks(), table['views_sum'].combine_chunks()
        big = pc.greater_equal(views, BIG)
        large = list(pairs(keys.filter(big), views.filter(big)))
        if large:
            small = pc.invert(big)
            keys, views = keys.filter(small), views.filter(small)
        self._parts = [pa.table([keys, views], schema=_SCHEMA)]
        self._new, self.rows, self.key_bytes = 0, len(keys), data_bytes(keys)
        return large

    def take(self):
        """``(keys, views, large)``: every key's sum, as two arrays and a list
        of ``(key, views)`` pairs too big for int64 (rare); then forget them."""
        # summed already if nothing came in since
        large = self.compact() if self._new else []
        table = self._parts[0] if self._parts else _SCHEMA.empty_table()
        self._parts, self._new, self.rows, self.key_bytes = [], 0, 0, 0
        return table['key'].combine_chunks(), table['views'].combine_chunks(), large


def records(keys, views, partitions, record_rows, record_bytes):
    """``(partition, record)`` pairs for ``keys`` and their ``views`` (Arrow
    arrays): rows ``key views`` joined by SEP, up to ``record_rows`` rows and
    ``record_bytes`` bytes of keys in a record, as
    :meth:`jobs.pageview_job.PageviewJob.records_of_views` makes them from a
    dict, but with no Python loop a key. A slice of keys at a time
    (:func:`_slices`), which bounds what the work holds besides the sums."""
    for some, their in _slices(keys, views):
        yield from _records(some, their, partitions, record_rows, record_bytes)


def _records(keys, views, partitions, record_rows, record_bytes):
    part, order = _partitioned(keys, partitions)
    keys = keys.take(order)
    # "key views" + SEP, one after another in one buffer
    rows = _buffers(pc.binary_join_element_wise(keys, b' ', _text(views.take(order)), SEP, b''))
    for a, b in _bounds(part, _buffers(keys)[1], record_rows, record_bytes):
        yield b'%d' % part[a], _slice(rows, a, b)


def _partitioned(keys, partitions):
    """The partition of each of ``keys`` (:func:`partitions_of`), in order,
    and the order (an array of indices) that sorts the keys by it."""
    part = partitions_of(*_buffers(keys), partitions)
    order = np.argsort(part, kind='stable')
    return part[order], pa.array(order)


def _bounds(part, ends, most, most_bytes):
    """``(start, stop)`` of each run of equal values of ``part``, cut into
    slices of at most ``most`` items and ``most_bytes`` bytes of keys that
    end at ``ends`` (jobs.rows.chunk_bounds)."""
    bounds = np.flatnonzero(np.diff(part)) + 1
    for start, stop in zip([0, *bounds.tolist()], [*bounds.tolist(), len(part)]):
        for a, b in chunk_bounds(ends[start:stop + 1], most, most_bytes):
            yield start + a, start + b


def heavy_and_light(keys, views, n, tasks):
    """``keys`` and their ``views`` (below BIG) as two ``(keys, views)``
    pairs: the heavy ones that jobs.topn.take_heavy takes from one of at
    most ``tasks`` map tasks for the top ``n`` (``views * tasks`` at least the
    n-th largest of views), and the light ones."""
    counts = views.to_numpy()
    bar = int(np.partition(counts, len(counts) - n)[len(counts) - n]) if len(counts) >= n else 0
    # views * tasks >= bar, without a product that overflows
    heavy = pa.array(counts >= -(-bar // tasks))
    light = pc.invert(heavy)
    return (keys.filter(heavy), views.filter(heavy)), (keys.filter(light), views.filter(light))


def light_records(keys, views, partitions, record_rows, record_bytes):
    """``(partition, record)`` pairs of jobs.topn's light records
    (:func:`jobs.topn.light_record`) for ``keys`` and their ``views``, up to
    ``record_rows`` keys and ``record_bytes`` bytes of them a record,
    partitioned as :func:`records` does it."""
    for some, their in _slices(keys, views):
        part, order = _partitioned(some, partitions)
        some = some.take(order)
        keys_sep = _buffers(pc.binary_join_element_wise(some, SEP, b''))
        views_space = _buffers(pc.binary_join_element_wise(_text(their.take(order)), b' ', b''))
        for a, b in _bounds(part, _buffers(some)[1], record_rows, record_bytes):
            yield b'%d' % part[a], b''.join([
                LIGHT, _slice(keys_sep, a, b), LIGHT, _slice(views_space, a, b)])


def domain_records(keys, views, partitions, record_rows, record_bytes):
    """``(partition, record)`` pairs of MRDomainViews' map records for pages
    ``keys`` (``domain title``) and their ``views``: for each partition
    and domain, ``domain views titles``, the titles joined by SEP, up to
    ``record_rows`` of them and ``record_bytes`` bytes of them a record (the
    views in the first record of each run, 0 in the others), partitioned by
    page as :func:`records` does it."""
    for some, their in _slices(keys, views):
        part, order = _partitioned(some, partitions)
        halves = pc.split_pattern(some.take(order), b' ', max_splits=1)
        domains, titles = pc.list_element(halves, 0), pc.list_element(halves, 1)
        # by domain within each partition
        by = pc.sort_indices(pa.table({'part': part, 'domain': domains}),
                             sort_keys=[('part', 'ascending'), ('domain', 'ascending')])
        part, domains = part[by.to_numpy()], domains.take(by)
        titles = titles.take(by)
        ends = _buffers(titles)[1]
        titles = _buffers(pc.binary_join_element_wise(titles, SEP, b''))
        counts = their.take(order).take(by).to_numpy()
        if len(counts) and int(counts.max()) >= (1 << 63) // len(counts):
            counts = counts.astype(object)   # sums that may pass int64
        changes = np.flatnonzero(np.diff(part) != 0)
        if len(domains) > 1:
            new_domain = pc.not_equal(domains.slice(1), domains.slice(0, len(domains) - 1))
            changes = np.union1d(changes, np.flatnonzero(new_domain.to_numpy(zero_copy_only=False)))
        starts = np.concatenate(([0], changes + 1)).astype(np.int64)
        sums = np.add.reduceat(counts, starts).tolist() if len(counts) else []
        stops = [*starts[1:].tolist(), len(counts)]
        for a, stop, n in zip(starts.tolist(), stops, sums):
            domain = domains[a].as_py()
            for b, c in chunk_bounds(ends[a:stop + 1], record_rows, record_bytes):
                yield b'%d' % part[a], b'%s %d %s' % (
                    domain, 0 if b else n, _slice(titles, a + b, a + c))


def rows_of(records):
    """The ``key views`` rows of ``records`` (rows joined by SEP), as
    ``(keys, views, large)``: Arrow arrays of the keys and their views, and
    apart, as ``(key, views)`` pairs, the rows whose views have more than
    MOST_DIGITS digits (so that :class:`Sums` may add the rest)."""
    _, keys, digits = _rows(records)
    long = pc.greater(pc.binary_length(digits), MOST_DIGITS)
    large = []
    if pc.any(long).as_py():
        large = [(key, int(n)) for key, n in zip(keys.filter(long).to_pylist(),
                                                 digits.filter(long).to_pylist())]
        keys, digits = keys.filter(pc.invert(long)), digits.filter(pc.invert(long))
    return keys, pc.cast(pc.cast(digits, pa.string()), pa.int64()), large


def _rows(records):
    """The ``key views`` rows of ``records`` (rows joined by SEP) as
    ``(rows, keys, digits)``: each row with the SEP after it, its key and
    its views' digits (binary arrays)."""
    data = SEP.join(records) + SEP
    ends = np.flatnonzero(np.frombuffer(data, np.uint8) == SEP[0])
    offsets = np.zeros(len(ends) + 1, np.int32)
    offsets[1:] = ends + 1
    rows = pa.Array.from_buffers(pa.binary(), len(ends),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    # split at the last space
    halves = pc.split_pattern(rows, b' ', max_splits=1, reverse=True)
    return rows, pc.list_element(halves, 0), pc.binary_slice(pc.list_element(halves, 1), 0, -1)


def spread_records(records, shift, ways):
    """The rows of ``records`` (rows joined by SEP) spread as
    :func:`spread` spreads them, SPREAD_BYTES of records at a time: pairs
    ``(blocks, rows)``."""
    batch, size = [], 0
    for record in chain(records, [None]):
        if record:
            batch.append(record)
            size += len(record)
        if batch and (record is None or size >= SPREAD_BYTES):
            rows, keys, _ = _rows(batch)
            yield spread(rows, keys, shift, ways), len(rows)
            batch, size = [], 0


def spread_sums(keys, views, shift, ways):
    """Rows ``key views`` of ``keys`` and their ``views`` (Arrow arrays)
    spread as :func:`spread` spreads them, SPREAD_ROWS or SPREAD_BYTES of
    keys at a time: pairs ``(blocks, rows)``."""
    for a, b in chunk_bounds(_buffers(keys)[1], SPREAD_ROWS, SPREAD_BYTES):
        some = keys.slice(a, b - a)
        rows = pc.binary_join_element_wise(some, b' ', _text(views.slice(a, b - a)), SEP, b'')
        yield spread(rows, some, shift, ways), b - a


def count_by_domain(pages):
    """{domain: how many} of the ``pages`` (a binary array of ``domain title``)."""
    domains = pc.list_element(pc.split_pattern(pages, b' ', max_splits=1), 0)
    counts = pc.value_counts(domains)
    return dict(zip(counts.field('values').to_pylist(), counts.field('counts').to_pylist()))


def without(keys, views, some):
    """``(keys, views, pairs)``: ``keys`` and their ``views`` less the keys
    in ``some`` (a list of bytes), and those left out as ``(key, views)``
    pairs."""
    out = pc.is_in(keys, value_set=pa.array(some, pa.binary()))
    kept = pc.invert(out)
    return keys.filter(kept), views.filter(kept), list(pairs(keys.filter(out), views.filter(out)))


# descending(n) of jobs.tally, for 0 <= n < 10**20: a letter for the number
# of digits, then each digit as 9 less it
_LETTERS = np.frombuffer(b''.join(LETTERS[1:]), np.uint8)
_NINE_MINUS = np.frombuffer(NINE_MINUS, np.uint8)


def ranked_chunks(keys, views, least=0, chunk_rows=CHUNK_ROWS, chunk_bytes=CHUNK_BYTES):
    """The rows ``DIGITS key views`` of the ``keys`` whose ``views`` (below
    BIG) are at least ``least``, where DIGITS is jobs.tally.descending(views):
    sorted, and joined by SEP in chunks of ``chunk_rows`` rows or
    ``chunk_bytes`` bytes, as jobs.rows.chunks_of_run makes them, with no
    Python loop a row."""
    if least:
        kept = pc.greater_equal(views, least)
        keys, views = keys.filter(kept), views.filter(kept)
    # bytewise order of the rows: most views first, then the key's bytes
    # (a space, after a key, is below every byte a key holds)
    order = pc.sort_indices(pa.table({'views': views, 'key': keys}),
                            sort_keys=[('views', 'descending'), ('key', 'ascending')])
    keys, views = keys.take(order), views.take(order)
    del order
    text = _text(views)
    data, offsets = _buffers(text)
    letters = pa.Array.from_buffers(pa.binary(), len(text), [
        None, pa.py_buffer(np.arange(len(text) + 1, dtype=np.int32)),
        pa.py_buffer(_LETTERS[np.diff(offsets) - 1])])
    complement = pa.Array.from_buffers(pa.binary(), len(text), [
        None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(_NINE_MINUS[data])])
    rows = _buffers(pc.binary_join_element_wise(letters, complement, b' ', keys, b' ', text, SEP,
                                                b''))
    del keys, views, text, letters, complement
    # each row's offsets less its separators: where chunks_of_run's rows end
    ends = rows[1] - np.arange(len(rows[1]))
    for a, b in chunk_bounds(ends, chunk_rows, chunk_bytes):
        yield _slice(rows, a, b)


def _text(numbers):
    """An integer array in decimal, as a binary array."""
    return pc.cast(pc.cast(numbers, pa.string()), pa.binary())


def _slice(items, a, b):
    """Items ``a`` to ``b`` of the :func:`_buffers` of an array whose items
    each end in one separator byte, as bytes, less the last separator."""
    data, offsets = items
    return data[offsets[a]:offsets[b] - 1].tobytes()


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
_P1, _P2 = np.uint64(0x9E3779B185EBCA87), np.uint64(0xC2B2AE3D27D4EB4F)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


def partitions_of(data, offsets, partitions):
    """The partition, in ``range(partitions)``, of each key whose bytes are
    ``data[offsets[i]:offsets[i + 1]]``: a hash of its length, its first 8
    bytes and its last 8 (each read as a little-endian number, zero-padded)
    mixed as splitmix64 mixes. The same on every machine and in every process."""
    words, starts = _words(data, offsets)
    lengths = offsets[1:] - offsets[:-1]
    # the first 8 bytes, and the last 8 (or the first, if fewer)
    kept = _ALL >> (np.uint64(64) - 8 * np.minimum(lengths, 8).astype(np.uint64))
    kept[lengths == 0] = 0
    head = words[starts] & kept
    tail = words[starts + np.maximum(lengths - 8, 0)] & kept
    lengths = lengths.astype(np.uint64)
    with np.errstate(over='ignore'):
        h = _mixed(head * _C1 ^ tail * _C2 ^ lengths * _C3)
    return (h % np.uint64(partitions)).astype(np.int64)


def _mixed(h):
    """splitmix64's last mix of a uint64 array, in place."""
    h ^= h >> np.uint64(30)
    h *= _C2
    h ^= h >> np.uint64(27)
    h *= _C3
    h ^= h >> np.uint64(31)
    return h


def _words(data, offsets):
    """``(words, starts)``: every 8 bytes of the keys ``data[offsets[i]:offsets[i + 1]]``
    from every byte on, as little-endian numbers, zero-padded past the last
    key (a uint64 array over a copy of only the keys' bytes: a slice's data is
    its whole array's), and where each key starts in them."""
    first, last = int(offsets[0]), int(offsets[-1])
    padded = np.zeros(last - first + 8, np.uint8)
    padded[:last - first] = data[first:last]
    return np.ndarray((len(padded) - 7,), '<u8', padded, 0, (1,)), offsets[:-1] - first


def key_hashes(data, offsets):
    """A 64-bit hash of every byte of each key ``data[offsets[i]:offsets[i + 1]]``
    (numpy uint64), read 8 bytes at a time as xxHash64 reads them, then mixed
    as splitmix64 mixes; the same in every process, and independent of
    :func:`partitions_of`: it spreads the keys of one partition."""
    words, starts = _words(data, offsets)
    lengths = offsets[1:] - offsets[:-1]
    rounds = (lengths + 7) // 8
    # shortest first, so that the keys with bytes left are the last ones (in
    # 16 bits, numpy sorts by radix)
    short = len(rounds) and rounds.max() < 1 << 16
    order = np.argsort(rounds.astype(np.uint16) if short else rounds, kind='stable')
    rounds, starts, lengths = rounds[order], starts[order], lengths[order]
    h = lengths.astype(np.uint64) * _C3
    with np.errstate(over='ignore'):
        for k in range(int(rounds[-1]) if len(rounds) else 0):
            a = int(np.searchsorted(rounds, k, side='right'))
            left = np.minimum(lengths[a:] - 8 * k, 8).astype(np.uint64)
            word = words[starts[a:] + 8 * k] & (_ALL >> (np.uint64(64) - 8 * left))
            acc = h[a:] + word * _P2
            h[a:] = ((acc << np.uint64(31)) | (acc >> np.uint64(33))) * _P1
        _mixed(h)
    hashes = np.empty_like(h)
    hashes[order] = h
    return hashes


def spread(rows, keys, shift, ways):
    """``rows`` (an Arrow binary array, each row ending in SEP) spread over
    ``ways`` by bits ``shift`` and up of the :func:`key_hashes` of their
    ``keys``: a list of ``ways`` blocks of bytes, each its rows in order."""
    way = ((key_hashes(*_buffers(keys)) >> np.uint64(shift)) % np.uint64(ways)).astype(np.uint8)
    order = np.argsort(way, kind='stable')
    data, offsets = _buffers(rows.take(order))
    bounds = offsets[np.searchsorted(way[order], np.arange(ways + 1))]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]
