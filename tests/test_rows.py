"""Sorted runs of rows: cut into chunks, shuffled in order of their bytes,
merged back into one order."""
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.rows import SEP, chunk_bounds, chunks_of_run, merge_chunks

row = st.binary(min_size=0, max_size=6).map(lambda b: bytes(c for c in b if c > 0x20))


def shuffle_as_mrjob_does(runs, chunk_rows, chunk_bytes=1 << 17):
    """Every run cut into chunks, then all chunks in order of their bytes
    (what SORT_VALUES gives the last step's one reducer)."""
    return sorted(chunk for run in runs
                  for chunk in chunks_of_run(list(run), chunk_rows, chunk_bytes))


def test_chunks_of_run_sorts_and_cuts():
    assert chunks_of_run([b'c', b'a', b'b'], 2) == [b'a' + SEP + b'b', b'c']
    assert chunks_of_run([], 2) == []


def test_chunks_are_cut_by_rows_or_bytes_whichever_first():
    # rows of 3, 3, 10, 1, 1 and 1 bytes: at most 3 rows and 6 bytes a chunk,
    # and a row longer than 6 bytes alone
    rows = [b'aaa', b'bbb', b'cccccccccc', b'd', b'e', b'f']
    assert list(chunk_bounds([0, 3, 6, 16, 17, 18, 19], 3, 6)) == [(0, 2), (2, 3), (3, 6)]
    assert chunks_of_run(rows, 3, 6) == [b'aaa\x1ebbb', b'cccccccccc', b'd\x1ee\x1ef']
    assert chunks_of_run(rows, 2, 100) == [b'aaa\x1ebbb', b'cccccccccc\x1ed', b'e\x1ef']
    assert list(chunk_bounds([0], 3, 6)) == []


def test_merge_of_two_interleaved_runs():
    # worked by hand: runs {a, c, e} and {b, d}, two rows a chunk
    chunks = shuffle_as_mrjob_does([[b'e', b'a', b'c'], [b'd', b'b']], 2)
    assert chunks == [b'a\x1ec', b'b\x1ed', b'e']
    blocks = list(merge_chunks(chunks))
    assert blocks == [[b'a'], [b'b', b'c', b'd'], [b'e']]


@settings(max_examples=200, deadline=None)
@given(rows=st.sets(row, max_size=80), runs=st.integers(1, 6), chunk_rows=st.integers(1, 7),
       chunk_bytes=st.integers(1, 20), seed=st.integers(0, 2 ** 32))
def test_merge_gives_every_row_once_in_order(rows, runs, chunk_rows, chunk_bytes, seed):
    rng = random.Random(seed)
    parts = [[] for _ in range(runs)]
    for r in rows:
        parts[rng.randrange(runs)].append(r)
    chunks = shuffle_as_mrjob_does(parts, chunk_rows, chunk_bytes)
    merged = [r for block in merge_chunks(chunks) for r in block]
    assert merged == sorted(rows)


def test_merge_streams_and_holds_at_most_a_chunk_per_run():
    runs = [[b'%06d' % n for n in range(start, 30_000, 3)] for start in range(3)]
    chunks = shuffle_as_mrjob_does(runs, 100)
    read = []

    def reading():
        for chunk in chunks:
            read.append(chunk)
            yield chunk
    total = 0
    for block in merge_chunks(reading()):
        total += len(block)
        # rows read but not yet given out: the chunks of the 3 runs in play
        assert sum(c.count(SEP) + 1 for c in read) - total <= 4 * 100
    assert total == 30_000
