"""Sorted runs of output rows, passed between steps as a few big records.

A job's output is one total order of rows (bytes, sorted as bytes). The step
that makes the rows sorts them in memory, in runs of at most ``RUN_ROWS``, and
cuts each run into chunks of ``CHUNK_ROWS`` rows joined by ``SEP``. The last
step receives every chunk under one key, in order of their bytes (SORT_VALUES),
which is the order of their first rows, and :func:`merge_chunks` merges them
with a bounded memory: one chunk per run at most.

One record per chunk, not one per row, spares the shuffle (and every Python
loop of mrjob's local runner) all but a thousandth of its records.
"""
import heapq
from bisect import bisect_left

__all__ = ['SEP', 'RUN_ROWS', 'CHUNK_ROWS', 'cut', 'chunks_of_run', 'merge_chunks']

# Rows never hold a control byte (nor, on Hadoop, a tab), so SEP sorts below
# anything a row holds, and a chunk sorts as its first row.
SEP = b'\x1e'
RUN_ROWS = 500_000
CHUNK_ROWS = 2048


def cut(rows, chunk_rows=CHUNK_ROWS):
    """The list ``rows`` in consecutive slices of ``chunk_rows`` rows."""
    return [rows[i:i + chunk_rows] for i in range(0, len(rows), chunk_rows)]


def chunks_of_run(rows, chunk_rows=CHUNK_ROWS):
    """Sort the list ``rows`` in place and return it cut into chunks."""
    rows.sort()
    return [SEP.join(chunk) for chunk in cut(rows, chunk_rows)]


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
