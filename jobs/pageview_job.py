"""Base of the pageview jobs: parse, filter and sum views in the mapper.

Each map task keeps one dict of views per key and emits it at the end
(in-mapper combining), or sooner when it holds as many keys as its memory
budget allows (``--memory``, ``--max-keys``: jobs.spill). It keeps its
counters in memory too: mrjob writes a line to stderr for every counter
increment. It emits its sums cut into
partitions by a stable hash of the key (``PARTITIONS`` on a cluster, one
per task slot on the local runners), in records of up to ``RECORD_ROWS``
``key views`` rows joined by rows.SEP; a reducer sums one partition at a
time (in parts, if it is too big) and hands the sums to :meth:`add_views`. A
few big records cost the shuffle far less than a record per key.

Every line read is counted once: counted, filtered out, without an hour, or
malformed (by reason), in the ``pageviews`` counter group and, on the local
runners, in a ``file NAME`` group per input file.

On a cluster the mapper gets lines (splittable, and the only way on Spark);
on the local runners each task reads whole files itself (see TallyJob),
which is several times faster than mrjob's own reading and splitting. A
streaming line task (Hadoop, EMR) reads its stdin in big chunks through the
same loop (:meth:`PageviewJob.bulk_mapper`); Spark calls the mapper a line
at a time.
"""
import posixpath
import zlib
from collections import Counter, defaultdict

from mrjob.compat import jobconf_from_env

from jobs.inputs import open_dump, printable_name
from jobs.pageviews import Malformed, parse_pageview
from jobs.rows import SEP, cut
from jobs.spill import BASE_MB, LEVELS, Spill, max_keys
from jobs.tally import TallyJob, at_least, field_value

__all__ = ['PageviewJob', 'by_partition', 'count_clean', 'sum_rows', 'summed_parts']

GROUP = 'pageviews'
_CHUNK = 1 << 23
# control bytes other than the line end: a chunk with one takes the slow path
_CONTROL = bytes(range(0x00, 0x0a)) + bytes(range(0x0b, 0x20))
# enough for every reducer of a big cluster to get many, and few enough that
# a map task's records stay big
PARTITIONS = 1024
# rows in one record: big enough that records are few, small enough that
# one is cheap to hold
RECORD_ROWS = 1 << 16


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
        self.add_passthru_arg(
            '--memory', type=at_least(BASE_MB + 64), default=1024, metavar='MB',
            help='what one task may hold (default 1024): map tasks flush their sums and '
                 'reducers spread big partitions over files to stay under it')
        self.add_passthru_arg(
            '--max-keys', type=at_least(1), metavar='N',
            help='distinct keys one task holds at most (default: what fits in --memory)')

    def keys_of(self, domain, title, views, hourly):
        """Yield ``(key, views)`` for one valid line; no key may hold a tab."""
        yield domain + b' ' + title, views

    def reads_whole_files(self):
        return True

    def load_args(self, args):
        super().load_args(args)
        if not self.is_task() and self.options.runner == 'local' and not self.options.sort_bin:
            # The local runner's shuffle is GNU sort, whose buffer grows with
            # the machine's memory: half the budget (as mrjob sorts: whole
            # lines, since SORT_VALUES; mrjob sets LC_ALL=C)
            self.options.sort_bin = ['sort', '-S', '%dM' % (self.options.memory // 2)]

    def most_keys(self):
        """Keys a map task holds at most."""
        return max_keys(self.options.memory, self.options.max_keys)

    def most_reduce_keys(self):
        """Keys a reducer sums at once: half a map task's, for it also holds
        the rows it makes of them (measured: bench/MANY_KEYS.md)."""
        return max(1, self.most_keys() // 2)

    def start_counting(self):
        self._views = defaultdict(int)
        self._most, self._flushed = self.most_keys(), False
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
        if len(self._views) >= self._most:
            yield from self.flush_views()

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
        counted = False
        for key, n in self.keys_of(domain, title, views, hourly):
            self._views[key] += n
            counted = True
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

    def fast_loop(self):
        """What :meth:`count_stream` hands chunks of lines without control
        bytes to, for the current file: a function ``(lines, views)`` that
        counts the common lines (:func:`count_clean`) and returns the
        positions of the rest, or None, when every line goes to count_line.
        By default, pages keyed as :meth:`keys_of` keys them, with no filter."""
        if self._domains or self._excluded or type(self).keys_of is not PageviewJob.keys_of:
            return None
        return count_clean

    def count_stream(self, f):
        """Count the lines of a binary stream, read in big chunks: the common
        case in :meth:`fast_loop`, every other line handed to count_line."""
        stats, views, count_line = self._stats, self._views, self.count_line
        fast = self.fast_loop()
        number = 0
        tail = b''
        while True:
            chunk = f.read(_CHUNK)
            data = tail + chunk
            if chunk:
                lines = data.split(b'\n')
                tail = lines.pop()
            else:
                lines = [data] if data else []
            if fast is None or len(data.translate(None, _CONTROL)) < len(data):
                for i, line in enumerate(lines, number + 1):
                    count_line(line, i)
            else:
                others = fast(lines, views)
                stats['lines counted'] += len(lines) - len(others)
                for at in others:
                    count_line(lines[at], number + at + 1)
            number += len(lines)
            if len(views) >= self._most:
                yield from self.flush_views()
            if not chunk:
                break
        stats['lines read'] += number

    def partitions(self):
        # A local runner runs as many reduce tasks as it has slots, or twice
        # as many if it gets that many keys, in two waves of starting Pythons.
        return self.task_slots() or PARTITIONS

    def flush_views(self):
        """The sums so far, sent on and forgotten: a map task's memory stays
        under its budget whatever the number of distinct keys."""
        self._flushed = True
        self.increment_counter('memory', 'map task flushes', 1)
        yield from self.records_of_views(self._views, self.partitions())
        self._views.clear()

    def emit_views(self):
        yield from self.records_of_views(self._views, self.partitions())
        for name, stats in self._file_stats.items():
            for counter, n in stats.items():
                if n:
                    self.increment_counter(GROUP, counter, n)
                    if self.wants_file_counters():
                        self.increment_counter('file ' + name, counter.split(':')[0], n)
            self.emit_skips(name, stats, self._file_firsts[name])
        if self._bad:
            self._bad.close()

    def records_of_views(self, views, partitions):
        """A map task's ``(partition, value)`` records of its ``views``
        ({key: views}): rows ``key views`` joined by rows.SEP."""
        for partition, (keys, counts) in enumerate(by_partition(views, partitions)):
            for some, their in zip(cut(keys, RECORD_ROWS), cut(counts, RECORD_ROWS)):
                yield b'%d' % partition, SEP.join(map(b'%s %d'.__mod__, zip(some, their)))

    def sum_views(self, _, records):
        """Reducer: sum the views of every key of one partition, a part at a
        time if it is too big, and return what :meth:`add_views` makes of
        the sums."""
        return self.add_parts(summed_parts(records, self.most_reduce_keys()))

    def add_parts(self, parts):
        """What :meth:`add_views` makes of each part in turn, passed on
        before the next part is summed."""
        for n, views in enumerate(parts):
            if n == 1:
                self.increment_counter('memory', 'partitions summed in parts', 1)
            yield from self.add_views(views)

    def add_views(self, views):
        """The records to pass on, or (), for the summed views of one
        partition's keys, ``{key: views}``."""
        raise NotImplementedError

    def count_step_kwargs(self):
        """The mapper half of every pageview job's first step."""
        return dict(mapper_init=self.start_counting, mapper_final=self.emit_views,
                    **(self.file_mapper(self.count_file_views) if self.options.file_list
                       else dict(mapper=self.count_views)))


def count_clean(lines, views, prefix=None):
    """Add to ``views`` ({key: views}) the views of the common lines of
    ``lines`` (4 fields, none empty, a view count of at most 18 digits, so
    below 2**63; no control bytes, which the caller has made sure of), keyed
    by ``domain title``, or by ``prefix + domain`` if a prefix is given.
    Returns the positions of the other lines, which are few, in order."""
    get = views.get
    others, at = [], 0
    for line in lines:
        fields = line.split(b' ')
        if len(fields) == 4:
            domain, title, n, size = fields
            if domain and title and size.isdigit():
                key = domain + b' ' + title if prefix is None else prefix + domain
                if n == b'1':  # most lines of a dump
                    views[key] = get(key, 0) + 1
                    continue
                if n.isdigit() and len(n) < 19:
                    views[key] = get(key, 0) + int(n)
                    continue
        # the first line equal to this one, from the last found, is this one:
        # an equal line before it fails too, and was found first
        at = lines.index(line, at)
        others.append(at)
        at += 1
    return others


def by_partition(views, partitions):
    """``views`` ({key: views}) in ``partitions`` pairs of lists, keys and
    their views, by a stable hash of the key: every task puts a key in the
    same partition."""
    parts = [([], []) for _ in range(partitions)]
    crc32 = zlib.crc32
    for key, n in views.items():
        keys, counts = parts[crc32(key) % partitions]
        keys.append(key)
        counts.append(n)
    return parts


def summed_parts(records, most=None, level=0):
    """{key: views} dicts summing the ``key views`` rows of ``records``, every
    key in one of them, each of about ``most`` keys at most: past that, the
    rows are spread over files (:class:`jobs.spill.Spill`) and summed a file
    at a time."""
    views = {}
    get = views.get
    records = iter(records)
    for record in records:
        for row in record.split(SEP):
            key, n = row.rsplit(b' ', 1)
            views[key] = get(key, 0) + int(n)
        if most and len(views) > most and level < LEVELS:
            break
    else:
        yield views
        return
    spill = Spill(level)
    for key, n in views.items():
        spill.add(key, b'%s %d' % (key, n))
    views.clear()
    for record in records:
        for row in record.split(SEP):
            spill.add(row.rsplit(b' ', 1)[0], row)
    for rows in spill.parts():
        yield from summed_parts(rows, most, level + 1)


def sum_rows(records):
    """{key: views} summed over records of ``key views`` rows."""
    views, = summed_parts(records)
    return views
