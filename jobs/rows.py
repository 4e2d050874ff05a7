"""Sorted runs of output rows, passed between steps as a few big records.

A job's output is one total order of rows (bytes, sorted as bytes). The step
that makes the rows sorts them in memory, in runs of at most ``RUN_ROWS``, and
cuts each run into chunks of ``CHUNK_ROWS`` rows or ``CHUNK_BYTES`` bytes,
whichever comes first, joined by ``SEP``. The last step receives every chunk
under one key, in order of their bytes (SORT_VALUES), which is the order of
their first rows, and :func:`merge_chunks` merges them with a bounded memory:
one chunk per run at most. Chunks are cut by bytes too because titles run to
a thousand bytes: 2,048 such rows made a chunk of 2 MB, and a merge of 60 runs
of them at ``--memory 320`` held 405 MB (bench/README.md, "Long titles").

One record per chunk, not one per row, spares the shuffle (and every Python
loop of mrjob's local runner) all but a thousandth of its records.
"""
import heapq
from bisect import bisect_left, bisect_right
from itertools import accumulate

__all__ = ['SEP', 'RUN_ROWS', 'CHUNK_ROWS', 'CHUNK_BYTES', 'cut', 'chunk_bounds', 'spans',
           'chunks_of_run', 'merge_chunks']

# Rows never hold a control byte (nor, on Hadoop, a tab), so SEP sorts below
# anything a row holds, and a chunk sorts as its first row.
SEP = b'\x1e'
RUN_ROWS = 500_000
CHUNK_ROWS = 2048
# 2,048 rows of the usual 50 bytes fit
CHUNK_BYTES = 1 << 17


def cut(rows, chunk_rows=CHUNK_ROWS):
    """The list ``rows`` in consecutive slices of ``chunk_rows`` rows."""
    return [rows[i:i + chunk_rows] for i in range(0, len(rows), chunk_rows)]


def chunk_bounds(ends, chunk_rows=CHUNK_ROWS, chunk_bytes=CHUNK_BYTES):
    """The ``(start, stop)`` of each chunk of rows whose bytes end at
    ``ends`` (``ends[i]``: the bytes of the rows before row i; a list or a
    numpy array), in order: each chunk as many rows as fit in ``chunk_rows``
    rows and ``chunk_bytes`` bytes (separators not counted), or one row."""
    last = len(ends) - 1
    start = 0
    while start < last:
        fit = bisect_right(ends, ends[start] + chunk_bytes, start + 1, last + 1) - 1
        stop = max(start + 1, min(start + chunk_rows, fit))
        yield start, stop
        start = stop


def spans(items, chunk_rows, chunk_bytes):
    """:func:`chunk_bounds` of the list ``items`` (bytes)."""
    return chunk_bounds(list(accumulate(map(len, items), initial=0)), chunk_rows, chunk_bytes)


def chunks_of_run(rows, chunk_rows=CHUNK_ROWS, chunk_bytes=CHUNK_BYTES):
    """Sort the list ``rows`` in place and return it cut into chunks."""
    rows.sort()
    return [SEP.join(rows[a:b]) for a, b in spans(rows, chunk_rows, chunk_bytes)]


def merge_chunks(chunks):
    """Yield sorted lists of rows, which together are every row of
    ``chunks`` in order; the chunks must come in order (of their bytes), each
    a sorted run of rows, the rows distinct."""
    # (first pending row, tie-breaker, rows, index of that row), one per chunk
    # whose rows are not all given out yet
    pending = []
    serial = 0
    for chunk in chunks:
        rows = chunk.split(SEP)
        first = rows[0]
        # no row still to come is smaller than first: give out those that are
        ready = []
        while pending and pending[0][0] < first:
            _, n, held, start = pending[0]
            end = bisect_left(held, first, start)
            ready.extend(held[start:end])
            if end < len(held):
                heapq.heapreplace(pending, (held[end], n, held, end))
            else:
                heapq.heappop(pending)
        if ready:
            ready.sort()  # a few sorted slices: timsort merges them in C
            yield ready
        serial += 1
        heapq.heappush(pending, (first, serial, rows, 0))
    rest = [row for _, _, held, start in pending for row in held[start:]]
    if rest:
        rest.sort()
        yield rest
