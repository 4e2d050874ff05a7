"""Bounded memory in a task: what does not fit is spread over files and taken
one file at a time.

A map task flushes its partial sums when the keys it holds fill its budget,
as Hadoop spills its sort buffer. A reducer sums one partition (a stable hash
of the key) at a time; when a partition holds more keys than fit, its rows go
to ``WAYS`` temporary files by a second hash of the key, independent of the
partition's (jobs.bulk.key_hashes, of all its bytes, many rows at once in
numpy), and each file is summed alone and freed: a key's rows all land in
one file. MRDomainViews' reducers spread their pages so too, as rows with no
views, once the titles they hold in sets fill their budget.
A file that still does not fit is spread again, on the next bits of the
hash, over as few files as it needs (:func:`ways_for`): every part becomes a
sorted run that the last step merges holding a chunk of each, so many small
parts would cost it what one big one does not.

What a task holds is weighed by a :class:`Budget`: ``--max-keys`` keys if
given, else what fits in ``--memory`` (MB, default 1024) above ``BASE_MB``
for Python, mrjob and a read buffer, each key weighing ``KEY_BYTES`` and
``BYTES_PER_BYTE`` times its length: a long title holds more than a short
one. bench/README.md has the measurements behind the numbers.

Sample command line (none: the pageview jobs use it).
"""
import copy
import math
import os
import tempfile

from jobs.rows import SEP

__all__ = ['Budget', 'Spill', 'ways_for', 'MEMORY_MB', 'WAYS', 'LEVELS']

WAYS = 16
LEVELS = 15          # 4 bits of a 64-bit hash a level
# what a spill file is read back in at a time
BLOCK_BYTES = 1 << 20
# what one process of a job may hold unless --memory says otherwise
MEMORY_MB = 1024
# what a map task holds before it holds a key: Python, pyarrow and numpy, a
# chunk of input in Arrow, and what Arrow's allocator keeps (275 MB at any
# budget, measured over keys of 23 bytes)
BASE_MB = 256
# a held key: its object, dict slot or Arrow offsets, its int, and its share
# of a flush's lists; and its bytes, as many times as they are copied (the
# key, Arrow's sums of it, a record's row), measured at 23 and 243 bytes
KEY_BYTES = 195
BYTES_PER_BYTE = 3.5


class Budget:
    """What a task may hold (``most``), and what keys weigh in it."""

    def __init__(self, memory_mb=MEMORY_MB, max_keys=None):
        if max_keys:
            self.most, self._key, self._byte = max_keys, 1, 0
        else:
            self.most = max(1000 * (KEY_BYTES + 30 * BYTES_PER_BYTE),
                            (memory_mb - BASE_MB) * 1024 * 1024)
            self._key, self._byte = KEY_BYTES, BYTES_PER_BYTE

    def weight(self, keys, key_bytes):
        """What ``keys`` distinct keys of ``key_bytes`` bytes in all weigh."""
        return keys * self._key + key_bytes * self._byte

    def part(self, share):
        """The same weights, ``share`` of the whole (as much at least as one
        key of 30 bytes)."""
        part = copy.copy(self)
        part.most = max(self.weight(1, 30), self.most * share)
        return part


def ways_for(budget, rows, size):
    """How many files to spread ``rows`` rows of ``size`` bytes over, should
    they not fit in ``budget``: enough for each to fit with room to spare."""
    return min(WAYS, max(2, math.ceil(1.5 * budget.weight(rows, size) / budget.most)))


class Spill:
    """Rows spread over ``ways`` temporary files (at most ``WAYS``) by
    jobs.bulk.spread, on bits ``4 * level`` and up of a hash of their key."""

    def __init__(self, level=0, ways=WAYS):
        self.level, self.shift, self.ways = level, 4 * level, ways
        self._dir = tempfile.TemporaryDirectory(prefix='mrtally-spill-')
        self._files = [open(os.path.join(self._dir.name, '%d' % i), 'w+b') for i in range(ways)]
        self.rows = 0

    def add(self, spread):
        """Keep rows spread already over this spill's files, each ending in
        SEP: ``(blocks, rows)`` pairs, where ``blocks[i]`` (bytes-like) goes
        to file ``i`` and ``rows`` counts their rows (jobs.bulk.spread_records
        and spread_sums, on this spill's ``shift`` and ``ways``)."""
        for blocks, rows in spread:
            for f, block in zip(self._files, blocks):
                f.write(block)
            self.rows += rows

    def parts(self):
        """Each file's rows in turn, as an iterator to use up before the
        next, with its size: ``(blocks, bytes, about how many rows)``, the
        blocks about BLOCK_BYTES of rows joined by SEP; the files are gone
        after the last."""
        total = sum(f.tell() for f in self._files)
        try:
            for f in self._files:
                size = f.tell()
                if size:
                    f.seek(0)
                    yield _blocks(f), size, self.rows * size // total
                f.close()
        finally:
            for f in self._files:
                f.close()
            self._dir.cleanup()


def _blocks(f):
    """The rows of ``f`` (each ending in SEP) in blocks of about BLOCK_BYTES,
    joined by SEP."""
    tail = b''
    while True:
        data = f.read(BLOCK_BYTES)
        if not data:
            return
        data = tail + data
        end = data.rfind(SEP)
        if end >= 0:
            yield data[:end]
        tail = data[end + 1:]

