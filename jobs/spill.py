"""Bounded memory in a task: what does not fit is spread over files and taken
one file at a time.

A map task flushes its partial sums when it holds ``--max-keys`` keys, as
Hadoop spills its sort buffer. A reducer sums one partition (a stable hash of
the key) at a time; when a partition holds more keys than fit, its rows go to
``WAYS`` temporary files by a second hash of the key (Python's own, drawn
afresh in each process, so independent of the partition's), and each file is
summed alone and freed: a key's rows all land in one file. A file that still
does not fit is spread again, on the next bits of the hash.

What a task holds is weighed by a :class:`Budget`: ``--max-keys`` keys if
given, else what fits in ``--memory`` (MB, default 1024) above ``BASE_MB``
for Python, mrjob and a read buffer, each key weighing ``KEY_BYTES`` and
``BYTES_PER_BYTE`` times its length: a long title holds more than a short
one. bench/README.md has the measurements behind the numbers.

Sample command line (none: the pageview jobs use it).
"""
import copy
import os
import tempfile

__all__ = ['Budget', 'Spill', 'MEMORY_MB', 'WAYS', 'LEVELS']

WAYS = 16
LEVELS = 15          # 4 bits of a 64-bit hash a level
# what one process of a job may hold unless --memory says otherwise
MEMORY_MB = 1024
BASE_MB = 160
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


class Spill:
    """Rows spread over ``WAYS`` temporary files by a hash of their key."""

    def __init__(self, level=0):
        self.shift = 4 * level
        self._dir = tempfile.TemporaryDirectory(prefix='mrtally-spill-')
        self._files = [open(os.path.join(self._dir.name, '%d' % i), 'w+b') for i in range(WAYS)]
        self.rows = 0

    def add(self, key, row):
        """Keep ``row`` (bytes without a newline) in the file of ``key``."""
        self._files[(hash(key) >> self.shift) & (WAYS - 1)].write(row + b'\n')
        self.rows += 1

    def parts(self):
        """Each file's rows in turn, as an iterator to use up before the
        next; the files are gone after the last."""
        try:
            for f in self._files:
                if f.tell():
                    f.seek(0)
                    yield (line[:-1] for line in f)
                f.close()
        finally:
            for f in self._files:
                f.close()
            self._dir.cleanup()
