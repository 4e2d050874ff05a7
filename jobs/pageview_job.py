"""Base of the pageview jobs: parse, filter and sum views in the mapper.

Each map task sums views per key and emits the sums at the end (in-mapper
combining), or sooner when the keys it holds fill its memory budget
(``--memory``, ``--max-keys``: jobs.spill). It counts the common lines in
bulk, in Arrow (:mod:`jobs.bulk`), where the job keys pages or domains with
no filter, and every other line one at a time, into a dict. It keeps its
counters in memory too: mrjob writes a line to stderr for every counter
increment. It emits its sums cut into partitions by a stable hash of the
key (one per task slot on the local runners; four per reduce task on Hadoop,
EMR and a local Spark master, whose partitioners hash them over their
reducers; else ``PARTITIONS``), in records of up to ``RECORD_ROWS``
``key views`` rows and ``RECORD_BYTES`` bytes of keys, joined by rows.SEP.
A few big records cost the shuffle far less than a record per key. A
reducer sums one partition at a time (in parts, if it is too big), in Arrow
too (:func:`summed_parts`), and hands the sums to :meth:`add_sums`:
MRPageViews sorts them into its rows in Arrow, the other jobs take them as
a dict (:meth:`add_views`).

Every line read is counted once: counted, filtered out, without an hour, or
malformed (by reason), in the ``pageviews`` counter group and, on the local
runners, in a ``file NAME`` group per input file.

On a cluster the mapper gets lines (splittable, and the only way on Spark);
on the local runners each task reads whole files itself (see TallyJob),
which is several times faster than mrjob's own reading and splitting. A
streaming line task (Hadoop, EMR) reads its stdin in big chunks through the
same loop, in bulk too (:meth:`PageviewJob.bulk_mapper`), and on the hadoop
and EMR runners Streaming writes it blocks of lines, not a line a record
(:meth:`PageviewJob.reads_blocks`). Spark calls the mapper with blocks of
lines (:meth:`PageviewJob.count_block`), which it counts the same way.
"""
import importlib.util
import io
import os
import posixpath
import sys
from collections import Counter, defaultdict
from itertools import chain

from mrjob.compat import jobconf_from_env

from jobs.inputs import open_dump, printable_name
from jobs.pageviews import Malformed, parse_pageview
from jobs.rows import SEP, spans
from jobs.spark_lines import IO_JAR
from jobs.spill import BASE_MB, LEVELS, MEMORY_MB, WAYS, Budget, Spill, ways_for
from jobs.tally import TallyJob, at_least, field_value

__all__ = ['PageviewJob', 'by_partition', 'sum_rows', 'summed_parts', 'spilled_parts',
           'as_dict']


def _lazy(name):
    """Module ``name``, loaded when first used (the standard library's recipe)."""
    spec = importlib.util.find_spec(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# numpy and pyarrow start threads when imported, and the launcher forks the
# local runner's pool of task runners, which a process with threads must not
# do: only tasks load jobs.bulk, when they first count.
bulk = sys.modules.get('jobs.bulk') or _lazy('jobs.bulk')

GROUP = 'pageviews'
_CHUNK = 1 << 23
# enough for every reducer of a big cluster to get many, and few enough that
# a map task's records stay big
PARTITIONS = 1024
# rows in one record: big enough that records are few, small enough that
# one is cheap to hold; and bytes of keys, for long titles (65,536 keys of
# 1,000 bytes made a record of 65 MB, which a reducer at --memory 600 held
# several times over, and went past its budget)
RECORD_ROWS = 1 << 16
RECORD_BYTES = 1 << 22
# rows a reducer reads into Arrow at once, at most (or an eighth of its
# budget, if that weighs less): big enough that Arrow's work a call is long
BATCH_ROWS = 1 << 19
# A reducer's part may weigh a quarter more than its budget: the many-keys
# bench's spill files (a sixteenth of a partition) weigh 1.0-1.1 of it, and
# spreading each again (a row at a time then) cost its reducers 95-100 s
# instead of 72.
PART_SHARE = 1.25


class PageviewJob(TallyJob):
    """Subclasses say how a page's views are keyed (:meth:`keys_of`) and what
    their steps do with the sums."""

    GROUP = GROUP
    VALID = ('lines counted', 'lines filtered out')

    def hint(self, looks):
        if looks == 'a pageview dump':
            return 'no line of it is valid'
        return 'looks like %s, not a pageview dump' % looks if looks else 'not a pageview dump'

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg(
            '--domain', action='append', default=[], metavar='CODE', type=field_value,
            help='count only this domain code (e.g. en, de.m); repeatable')
        self.add_passthru_arg(
            '--exclude-prefix', action='append', default=[], metavar='P', type=field_value,
            help='drop titles that start with P (e.g. Special:); repeatable')
        self.add_passthru_arg(
            '--min-views', type=at_least(0), default=0, metavar='N',
            help='leave out rows with fewer than N views')
        # Below 384, a map task's floor passes its budget: over 1.5 M keys of
        # 23 bytes it peaked at 319-326 MB at any --memory from 320 to 400
        # (Arrow's allocator keeps some of what it frees).
        self.add_passthru_arg(
            '--memory', type=at_least(BASE_MB + 128), default=MEMORY_MB, metavar='MB',
            help='what one task may hold (default %d): map tasks flush their sums and '
                 'reducers spread big partitions over files to stay under it' % MEMORY_MB)
        self.add_passthru_arg(
            '--max-keys', type=at_least(1), metavar='N',
            help='distinct keys one task holds at most, whatever their length '
                 '(default: what fits in --memory)')

    def keys_of(self, domain, title, views, hourly):
        """Yield ``(key, views)`` for one valid line; no key may hold a tab."""
        yield domain + b' ' + title, views

    def reads_whole_files(self):
        return True

    def reads_spark_blocks(self):
        return True

    def load_args(self, args):
        super().load_args(args)
        if not self.is_task() and self.options.runner == 'local' and not self.options.sort_bin:
            # The local runner's shuffle is GNU sort, whose buffer grows with
            # the machine's memory: half the budget (as mrjob sorts: whole
            # lines, since SORT_VALUES; mrjob sets LC_ALL=C)
            self.options.sort_bin = ['sort', '-S', '%dM' % (self.options.memory // 2)]
        if not self.is_task() and self.reads_blocks():
            self.options.libjars = list(self.options.libjars or []) + [IO_JAR]
            self.options.jobconf = dict(self.options.jobconf or {},
                                        **{'stream.map.input.ignoreKey': 'true'})

    def reads_blocks(self):
        """Whether Hadoop Streaming hands the map tasks blocks of lines
        (``mrtally.LineBlockInputFormat``, built by make hadoop), not a line a
        record: the same bytes, for a fraction of Streaming's work a line
        (bench/README.md). On the hadoop and EMR runners, if the jar is built:
        they give it to Hadoop with ``-libjars`` (EMR copies it to the master
        node first, in a step of its own)."""
        return self.options.runner in ('hadoop', 'emr') and os.path.exists(IO_JAR)

    def hadoop_input_format(self):
        if self.reads_blocks():
            return 'mrtally.LineBlockInputFormat'
        return super().hadoop_input_format()

    def memory_budget(self):
        return self.options.memory

    def budget(self):
        """What a map task holds at most (jobs.spill.Budget)."""
        return Budget(self.options.memory, self.options.max_keys)

    def reduce_budget(self):
        """What a reducer sums at once: half a map task's budget, for it also
        holds the rows it makes of them (measured: bench/MANY_KEYS.md)."""
        return self.budget().part(0.5)

    def start_counting(self):
        self._views = defaultdict(int)
        self._view_bytes = 0         # of the keys of _views
        self._sums = bulk.Sums()     # what count_stream counted in bulk
        self._budget, self._flushed = self.budget(), False
        self._file_stats = {}    # file name -> Counter; _stats is the current one
        self._file_firsts = {}   # file name -> {reason: first line number}; _firsts, the current
        self._domains = frozenset(d.encode() for d in self.options.domain)
        self._excluded = tuple(p.encode() for p in self.options.exclude_prefix)
        self._bad = None
        if not self.options.file_list:
            # A line task reads one split of one file, and knows line numbers
            # only from the start of its split: bad records of a split that
            # starts at byte S > 0 go to NAME@S, numbered from there.
            start = jobconf_from_env('mapreduce.map.input.start', '0') or '0'
            name = posixpath.basename(self.input_file()) or 'stdin'
            self.start_file(name, name if start == '0' else '%s@%s' % (name, start))

    def start_file(self, name, records_name=None):
        """Called before the lines of each input file (or split)."""
        # names go into counters (UTF-8 text) and bad-records file names
        name, records_name = printable_name(name), printable_name(records_name or name)
        if self._bad:
            self._bad.close()
        self._bad = self.open_bad_records(records_name)
        self._stats = self._file_stats.setdefault(name, Counter())
        self._firsts = self._file_firsts.setdefault(name, {})

    def count_views(self, _, line):
        """Mapper for line input."""
        self._stats['lines read'] += 1
        self.count_line(line, self._stats['lines read'])
        if self.held() >= self._budget.most:
            yield from self.flush_views()

    def count_block(self, _, block):
        """Mapper for blocks of lines (Spark: jobs.spark_lines), joined by
        newlines, the last without one."""
        yield from self.count_stream(io.BytesIO(block + b'\n'), self._stats['lines read'])

    def count_line(self, line, number):
        """Count one line (bytes, ``number`` in its file or split) in full:
        parsing, filters, keys, and every reason to skip it."""
        stats = self._stats
        try:
            domain, title, views, hourly = parse_pageview(line)
        except Malformed as e:
            stats['malformed: %s' % e] += 1
            self._firsts.setdefault('malformed: %s' % e, 'line %d' % number)
            if self._bad:
                self._bad.add_line(line, number, str(e))
            return
        if ((self._domains and domain not in self._domains)
                or (self._excluded and title.startswith(self._excluded))):
            stats['lines filtered out'] += 1
            return
        counted = self.add_large(self.keys_of(domain, title, views, hourly))
        stats['lines counted' if counted else 'lines without an hour'] += 1

    def count_file_views(self, path, uri):
        """Mapper for whole files."""
        self.start_file(posixpath.basename(uri))
        with open_dump(path) as f:
            yield from self.count_stream(f)

    def bulk_mapper(self, step_num):
        # A line task (Hadoop, EMR) reads its input from stdin as a local
        # task reads a file: in big chunks, through the same loop, instead
        # of a mapper call a line. Spark calls the mapper itself.
        if step_num or self.options.file_list:
            return None

        def count_input(stream):
            self.start_counting()
            yield from self.count_stream(stream)
            yield from self.emit_views()
        return count_input

    def bulk_keys(self):
        """How :meth:`count_stream` keys the lines it counts in bulk
        (:func:`jobs.bulk.count_chunk`), for the current file: ``(False, b'')``
        for ``domain title``, ``(True, prefix)`` for ``prefix + domain``, or
        None when every line goes to count_line. They must be the keys that
        :meth:`keys_of` gives. By default, pages with no filter."""
        if self._domains or self._excluded or type(self).keys_of is not PageviewJob.keys_of:
            return None
        return False, b''

    def count_stream(self, f, first=0):
        """Count the lines of a binary stream, which follow line ``first``
        of their file or split, read in big chunks: the common lines in bulk
        (:meth:`count_bulk`), every other line handed to count_line."""
        keyed = self.bulk_keys()
        number = first
        tail = b''
        while True:
            chunk = f.read(_CHUNK)
            data = tail + chunk
            end = data.rfind(b'\n') + 1 if chunk else len(data)
            data, tail = data[:end], data[end:]
            before = self.held()
            if keyed and data and bulk.takes(data):
                number += self.count_bulk(data, number, *keyed)
            elif data:
                lines = data.split(b'\n')
                if data.endswith(b'\n'):
                    lines.pop()
                for i, line in enumerate(lines, number + 1):
                    self.count_line(line, i)
                number += len(lines)
            # past the budget with another chunk like this one (of long
            # titles, a chunk alone weighs a good part of a small budget)
            held = self.held()
            grown = held - before
            if held + grown >= self._budget.most:
                # the chunks' sums, summed, may hold far fewer keys: flush
                # only if they still fill half the budget
                self.add_large(self._sums.compact())
                if self.held() + grown >= self._budget.most / 2:
                    yield from self.flush_views()
            if not chunk:
                break
        self._stats['lines read'] += number - first

    def count_bulk(self, data, number, by_domain, prefix):
        """Count the whole lines ``data``, which follow line ``number``, in
        bulk, but for the few that count_line judges; return how many."""
        keys, views, others, read = bulk.count_chunk(data, by_domain)
        if prefix:
            keys = bulk.prefixed(prefix, keys)
        self.add_large(self._sums.add(keys, views))
        for at, line in others:
            self.count_line(line, number + at + 1)
        self._stats['lines counted'] += read - len(others)
        return read

    def held(self):
        """What the keys held weigh in the budget: a key in Arrow twice, for
        summing them and making records of them take as much again
        (measured: bench/README.md)."""
        weight = self._budget.weight
        return (weight(len(self._views), self._view_bytes)
                + 2 * weight(self._sums.rows, self._sums.key_bytes))

    def add_large(self, pairs):
        """Add ``(key, views)`` pairs to the views held in Python; return
        how many."""
        held, added = self._views, 0
        for key, n in pairs:
            if key not in held:
                self._view_bytes += len(key)
            held[key] += n
            added += 1
        return added

    def forget_views(self):
        self._views.clear()
        self._view_bytes = 0

    def partitions(self):
        # A local runner runs as many reduce tasks as it has slots, or twice
        # as many if it gets that many keys, in two waves of starting Pythons.
        slots = self.task_slots()
        if slots:
            return slots
        # Spark (a local master's threads) and Hadoop (its reduce tasks) hash
        # partitions over their reducers: four a reducer spread evenly enough,
        # where 1,024 small ones cost the bench's hour 2.3 s on Spark and 1 s
        # on Hadoop (bench/README.md)
        reducers = self.reduce_tasks()
        return 4 * reducers if reducers else PARTITIONS

    def flush_views(self):
        """The sums so far, sent on and forgotten: a map task's memory stays
        under its budget whatever the number of distinct keys."""
        self._flushed = True
        self.increment_counter('memory', 'map task flushes', 1)
        yield from self.records_of_sums()

    def emit_views(self):
        yield from self.records_of_sums()
        for name, stats in self._file_stats.items():
            for counter, n in stats.items():
                if n:
                    self.increment_counter(GROUP, counter, n)
                    if self.wants_file_counters():
                        self.increment_counter('file ' + name, counter.split(':')[0], n)
            self.emit_skips(name, stats, self._file_firsts[name])
        if self._bad:
            self._bad.close()

    def records_of_sums(self):
        """The records of every sum held, in bulk and in Python; then they
        are forgotten. Bulk sums become records without a Python loop a key
        (:meth:`records_of_arrays`), unless a job makes its records only
        from a dict (:meth:`records_of_views`)."""
        keys, counts, large = self._sums.take()
        self.add_large(large)
        partitions = self.partitions()
        views = self._views
        if type(self).records_of_views is PageviewJob.records_of_views:
            yield from bulk.records(keys, counts, partitions, RECORD_ROWS, RECORD_BYTES)
        elif len(keys):
            # the few sums held in Python added to the arrays, if they fit,
            # for a job that makes its records in bulk too
            merged = (bulk.with_pairs(keys, counts, views.items())
                      if type(self).records_of_arrays is not PageviewJob.records_of_arrays
                      else None)
            if merged:
                yield from self.records_of_arrays(*merged, partitions)
                self.forget_views()
                return
            # else one dict (made in C, then those sums added)
            views = dict(bulk.pairs(keys, counts))
            for key, n in self._views.items():
                views[key] = views.get(key, 0) + n
        yield from self.records_of_views(views, partitions)
        self.forget_views()

    def records_of_arrays(self, keys, counts, partitions):
        """A map task's records of its sums as Arrow arrays, the keys
        distinct and every sum below jobs.bulk.BIG, for a job that makes its
        records itself (:meth:`records_of_views`) and can in bulk too."""
        raise NotImplementedError

    def records_of_views(self, views, partitions):
        """A map task's ``(partition, value)`` records of its ``views``
        ({key: views}): rows ``key views`` joined by rows.SEP."""
        for partition, (keys, counts) in enumerate(by_partition(views, partitions)):
            for a, b in spans(keys, RECORD_ROWS, RECORD_BYTES):
                rows = map(b'%s %d'.__mod__, zip(keys[a:b], counts[a:b]))
                yield b'%d' % partition, SEP.join(rows)

    def sum_views(self, _, records):
        """Reducer: sum the views of every key of one partition, a part at a
        time if it is too big, and return what :meth:`add_sums` makes of
        each part, passed on before the next part is summed."""
        for n, part in enumerate(summed_parts(records, self.reduce_budget())):
            if n == 1:
                self.increment_counter('memory', 'partitions summed in parts', 1)
            yield from self.add_sums(*part)

    def add_sums(self, keys, views, large):
        """The records to pass on, or (), for the summed views of some keys
        of a partition (a part of :func:`summed_parts`). By default, what
        :meth:`add_views` makes of them as one dict."""
        return self.add_views(as_dict(keys, views, large))

    def add_views(self, views):
        """The records to pass on, or (), for the summed views of some keys
        of a partition, ``{key: views}``."""
        raise NotImplementedError

    def count_step_kwargs(self):
        """The mapper half of every pageview job's first step."""
        return dict(mapper_init=self.start_counting, mapper_final=self.emit_views,
                    **(self.file_mapper(self.count_file_views) if self.options.file_list
                       else dict(mapper=self.count_block if self.spark_blocks()
                                 else self.count_views)))


def by_partition(views, partitions):
    """``views`` ({key: views}) in ``partitions`` pairs of lists, keys and
    their views, by a stable hash of the key (:func:`jobs.bulk.partitions_of`):
    every task puts a key in the same partition."""
    return bulk.by_partition(list(views), list(views.values()), partitions)


def summed_parts(records, budget=None, level=0, ways=WAYS):
    """The sums of the ``key views`` rows of ``records``, in Arrow: parts
    ``(keys, views, large)`` (keys and their sums as arrays, and apart
    {key: views} for sums too big for them), every key in one part, each
    part weighing ``PART_SHARE`` times ``budget.most`` at most
    (jobs.spill.Budget): past that, the rows are spread over ``ways`` files
    (:class:`jobs.spill.Spill`) and summed a file at a time."""
    sums, large = bulk.Sums(), defaultdict(int)
    records = iter(records)
    batch, rows, size = [], 0, 0
    most = budget.most if budget else None
    # a part may weigh most_part; summing holds what it sums, a batch more
    # than most_summed at most
    most_batch = most and most / 8
    most_part = most and PART_SHARE * most
    most_summed = most and most_part - most_batch
    limit, read_all = most, True

    def held(keys, key_bytes):
        # what keys in Arrow and the sums of large weigh
        return budget.weight(keys + len(large), key_bytes + sum(map(len, large)))

    for record in records:
        if record:
            batch.append(record)
            rows += record.count(SEP) + 1
            size += len(record)
        if rows < BATCH_ROWS and not (most and budget.weight(rows, size) >= most_batch):
            continue
        _add_rows(sums, large, batch)
        batch, rows, size = [], 0, 0
        if most and level < LEVELS and budget.weight(sums.rows, sums.key_bytes) > limit:
            add_pairs(large, sums.compact())
            summed = held(sums.rows, sums.key_bytes)
            if summed > most_summed:
                read_all = False
                break
            # Summing holds the rows, their keys' hash table and the sums at
            # once: a reducer at --memory 1024 over keys of 1,000 bytes peaked
            # at 1,034 MB summing twice its budget, 917 MB summing 1.375
            # times, 733-774 MB now. Sum again when as much again has come,
            # or a quarter of the budget: each row is summed three times at
            # most.
            limit = min(most_summed, summed + max(summed, most / 4))
    if batch:
        _add_rows(sums, large, batch)
    keys, views, big = sums.take()
    add_pairs(large, big)
    # done if all fits, though the last rows were not summed in the loop
    if read_all and (not most or level >= LEVELS
                     or held(len(keys), bulk.data_bytes(keys)) <= most_part):
        if large:
            # a key in one of the two
            keys, views, also = bulk.without(keys, views, list(large))
            add_pairs(large, also)
        yield keys, views, dict(large)
        return
    # spread in bulk: a Python loop a row took the many-keys bench's
    # reducers most of their time
    spill = Spill(level, ways)
    spill.add(bulk.spread_sums(keys, views, spill.shift, ways))
    # the sums freed before the rest is read and summed
    del keys, views
    large_rows = [SEP.join(b'%s %d' % pair for pair in large.items())] if large else []
    spill.add(bulk.spread_records(chain(large_rows, records), spill.shift, ways))
    yield from spilled_parts(spill, budget)


def spilled_parts(spill, budget):
    """The parts of :func:`summed_parts` for the ``key views`` rows spread
    over ``spill`` (jobs.spill.Spill): each file's, summed alone."""
    for some, size, rows in spill.parts():
        yield from summed_parts(some, budget, spill.level + 1, ways_for(budget, rows, size))


def _add_rows(sums, large, records):
    keys, views, big = bulk.rows_of(records)
    add_pairs(large, big)
    add_pairs(large, sums.add(keys, views))


def add_pairs(views, pairs):
    """Add ``(key, views)`` pairs to ``views``, a defaultdict(int)."""
    for key, n in pairs:
        views[key] += n


def as_dict(keys, views, large):
    """One {key: views} of a part of :func:`summed_parts`."""
    views = dict(bulk.pairs(keys, views))
    views.update(large)
    return views


def sum_rows(records):
    """{key: views} summed over records of ``key views`` rows."""
    part, = summed_parts(records)
    return as_dict(*part)
