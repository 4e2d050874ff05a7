"""Streaming tasks (every runner but Spark), with records moved in batches.

mrjob's own ``run_mapper`` and ``run_reducer`` write each line with two calls
to ``sys.stdout`` (unbuffered under ``PYTHONUNBUFFERED=1``, as in many
containers) and decode each line through several Python calls.
:class:`BatchedStreaming` moves the same records 4,096 (or 4 MB) at a time, groups a
reducer's input in C, and calls the same step methods that Spark calls.
"""
from itertools import groupby
from operator import itemgetter

from mrjob.job import MRJob
from mrjob.protocol import BytesProtocol, BytesValueProtocol
from mrjob.step import MRStep

__all__ = ['BatchedStreaming']

# records a streaming task writes at a time, or fewer if they are big (a
# pageview job's records hold thousands of rows): what it holds stays small
_BATCH = 4096
_BATCH_BYTES = 1 << 22


class BatchedStreaming(MRJob):
    """mrjob's streaming task entry points, in batches."""

    def run_mapper(self, step_num=0):
        bulk = self.bulk_mapper(step_num)
        if bulk and not self.options.args:
            self._write_pairs(bulk(self.stdin), step_num, 'mapper')
            return
        # mrjob strips every \r and \n that ends a line; a file read whole
        # loses only its \n (and a pageview line then one \r): strip the line
        # end alone, so that the same bytes count the same however they come
        read, _ = self.pick_protocols(step_num, 'mapper')
        pairs = (read(line[:-1] if line[-1:] == b'\n' else line) for line in self._read_input())
        self._write_pairs(self.map_pairs(pairs, step_num), step_num, 'mapper')

    def run_reducer(self, step_num=0):
        read, _ = self.pick_protocols(step_num, 'reducer')
        if type(getattr(read, '__self__', None)) is BytesProtocol:
            pairs = _bytes_pairs(self.stdin)
        else:
            pairs = self._wrap_protocols(step_num, 'reducer')[0]()
        self._write_pairs(self._reduce_groups(pairs, step_num), step_num, 'reducer')

    def bulk_mapper(self, step_num):
        """None (mrjob's way: the mapper called once a line), or a function
        of a map task's whole input stream (bytes, lines ended by newlines)
        that yields the step's map output, its mapper_init's and
        mapper_final's included: for jobs that read lines faster in bulk."""
        return None

    def _reduce_groups(self, pairs, step_num):
        """mrjob's reduce_pairs, grouping in C."""
        step = self._get_step(step_num, MRStep)
        reducer, init, final = step['reducer'], step['reducer_init'], step['reducer_final']
        if init:
            yield from init() or ()
        value = itemgetter(1)
        for key, group in groupby(pairs, itemgetter(0)):
            yield from reducer(key, map(value, group)) or ()
        if final:
            yield from final() or ()

    def _write_pairs(self, pairs, step_num, step_type):
        _, write = self.pick_protocols(step_num, step_type)
        encoder = type(getattr(write, '__self__', None))
        if encoder is BytesProtocol:
            write = _write_bytes_pair
        elif encoder is BytesValueProtocol:
            write = _write_bytes_value
        out = self.stdout
        batch, size = [], 0
        for key, value in pairs:
            line = write(key, value)
            batch.append(line)
            size += len(line)
            if len(batch) == _BATCH or size >= _BATCH_BYTES:
                batch.append(b'')
                out.write(b'\n'.join(batch))
                batch.clear()
                size = 0
        if batch:
            batch.append(b'')
            out.write(b'\n'.join(batch))
        out.flush()


def _write_bytes_pair(key, value):
    """BytesProtocol.write, without a generator."""
    if key is None:
        return b'' if value is None else value
    if value is None:
        return key
    return key + b'\t' + value


def _write_bytes_value(_, value):
    return value


def _bytes_pairs(lines):
    """BytesProtocol's reading of ``lines``, as lists.

    With SORT_VALUES, Hadoop sorts on two key fields; a value without a tab
    (none of ours has one) is then all key, and reaches the reducer as
    ``key<TAB>value<TAB>``, an empty field after it: that tab is Hadoop's.
    """
    for line in lines:
        pair = line.rstrip(b'\r\n').split(b'\t', 1)
        if len(pair) == 1:
            pair.append(None)
        elif pair[1].endswith(b'\t'):
            pair[1] = pair[1][:-1]
        yield pair
