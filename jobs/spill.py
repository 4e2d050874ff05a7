"""Bounded memory in a task: what does not fit is spread over files and taken
one file at a time.

A map task flushes its partial sums when it holds ``--max-keys`` keys, as
Hadoop spills its sort buffer. A reducer sums one partition (a stable hash of
the key) at a time; when a partition holds more keys than fit, its rows go to
``WAYS`` temporary files by a second hash of the key (Python's own, drawn
afresh in each process, so independent of the partition's), and each file is
summed alone and freed: a key's rows all land in one file. A file that still
does not fit is spread again, on the next bits of the hash.

``--max-keys`` defaults to what fits in ``--memory`` (MB, default 1024) at
``BYTES_PER_KEY`` a key above ``BASE_MB`` for Python, mrjob and a read
buffer; bench/README.md has the measurements behind both numbers.

Sample command line (none: the pageview jobs use it).
"""
import os
import tempfile

__all__ = ['Spill', 'max_keys', 'MEMORY_MB', 'WAYS', 'LEVELS']

WAYS = 16
LEVELS = 15          # 4 bits of a 64-bit hash a level
# what one process of a job may hold unless --memory says otherwise
MEMORY_MB = 1024
BASE_MB = 160
# a held key: a bytes object of ~30 bytes, its dict slot and int, and its
# share of a flush (partition lists, a record's row)
BYTES_PER_KEY = 260


def max_keys(memory_mb, given=None):
    """How many keys one task may hold: ``given``, or what fits in ``memory_mb``."""
    if given:
        return given
    return max(1000, (memory_mb - BASE_MB) * 1024 * 1024 // BYTES_PER_KEY)


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
