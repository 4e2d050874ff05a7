"""Sorted runs of rows: cut into chunks, shuffled in order of their bytes,
merged back into one order."""
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.rows import SEP, chunks_of_run, merge_chunks

row = st.binary(min_size=0, max_size=6).map(lambda b: bytes(c for c in b if c > 0x20))


def shuffle_as_mrjob_does(runs, chunk_rows):
    """Every run cut into chunks, then all chunks in order of their bytes
    (what SORT_VALUES gives the last step's one reducer)."""
    return sorted(chunk for run in runs for chunk in chunks_of_run(list(run), chunk_rows))


def test_chunks_of_run_sorts_and_cuts():
    assert chunks_of_run([b'c', b'a', b'b'], 2) == [b'a' + SEP + b'b', b'c']
    assert chunks_of_run([], 2) == []


def test_merge_of_two_interleaved_runs():
    # worked by hand: runs {a, c, e} and {b, d}, two rows a chunk
    chunks = shuffle_as_mrjob_does([[b'e', b'a', b'c'], [b'd', b'b']], 2)
    assert chunks == [b'a\x1ec', b'b\x1ed', b'e']
    blocks = list(merge_chunks(chunks))
    assert blocks == [[b'a'], [b'b', b'c', b'd'], [b'e']]


@settings(max_examples=200, deadline=None)
@given(rows=st.sets(row, max_size=80), runs=st.integers(1, 6), chunk_rows=st.integers(1, 7),
       seed=st.integers(0, 2 ** 32))
def test_merge_gives_every_row_once_in_order(rows, runs, chunk_rows, seed):
    rng = random.Random(seed)
    parts = [[] for _ in range(runs)]
    for r in rows:
        parts[rng.randrange(runs)].append(r)
    merged = [r for block in merge_chunks(shuffle_as_mrjob_does(parts, chunk_rows)) for r in block]
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
