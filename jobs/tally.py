"""What every mrtally job shares: byte protocols, input expansion, sort keys and
a summary of what was counted and skipped.

Jobs end with a step whose reducer receives every row under one key, sorted by
mrjob's SORT_VALUES (Hadoop's secondary sort; Spark and the local runners sort
in memory), so the output order is the same on every runner. Rows are sorted as
bytes, so sort keys put a count first as :func:`descending` digits. Most jobs
pass their rows to that step in sorted runs (:meth:`TallyJob.add_rows`, see
:mod:`jobs.rows`). What the Spark runner needs is in :mod:`jobs.spark_lines`.
"""
import argparse
import codecs
import datetime
import gzip
import json
import logging
import os
import re
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from itertools import chain, groupby
from operator import itemgetter
from urllib.parse import quote_from_bytes, unquote_to_bytes

from mrjob.compat import jobconf_from_env
from mrjob.job import MRJob
from mrjob.protocol import BytesProtocol, BytesValueProtocol
from mrjob.step import MRStep, StepFailedException

from jobs import interrupts
from jobs.inputs import InputError, damage_of, expand_inputs, is_local, printable_name, scratch_dir
from jobs.outputs import CommittedOutput, output_chunks
from jobs.rows import RUN_ROWS, chunks_of_run, merge_chunks
from jobs.spark_lines import SparkLines
from jobs.summary import SKIPPED, JobHelp, NothingValid, Summary, merge_counters

__all__ = ['BadInput', 'TallyJob', 'at_least', 'field_value', 'descending', 'from_descending',
           'keep_smallest', 'merge_counters', 'format_counters', 'RUN_RECORD']

# Written beside the part files of every run with --output-dir: what a report
# needs to say where its numbers came from. Hadoop skips names starting with _.
RUN_RECORD = '_mrtally.json'

log = logging.getLogger(__name__)

# Runners whose tasks run on this machine: they can write --bad-records to a
# local directory, and have no cap on the number of counters (Hadoop's is 120).
LOCAL_RUNNERS = (None, 'inline', 'local')

# 20 digits hold any sum of counts that fit Hive's BIGINT; a larger sum (eleven
# lines of 2**63 - 1 views make one) takes a longer form that sorts first
_WIDTH = 20
_TOP = 10 ** _WIDTH - 1
_LONG = b'!'    # below every digit
_MAX_DIGITS = 999

# records a streaming task writes at a time
_BATCH = 4096


def at_least(least):
    """An argparse type: a whole number of at least ``least``."""
    def whole_number(text):
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError('not a whole number: %r' % text) from None
        if n < least:
            raise argparse.ArgumentTypeError('must be at least %d, not %d' % (least, n))
        return n
    return whole_number


def field_value(text):
    """An argparse type: text to match a field of a dump line (a domain code,
    a title prefix), which is never empty and holds no space or control
    character: such a value could never match (an empty prefix, everything)."""
    if not text or re.search(r'[\x00-\x20\x7f]', text):
        raise argparse.ArgumentTypeError(
            '%r is empty or holds a space or control character, which no field has' % text)
    return text


class BadInput(Exception):
    """Input the job was told not to skip (``--strict``); the message names it."""


def descending(n):
    """Bytes that sort bytewise in descending order of the count ``n``: 20
    digits below 10**20; above, ``!`` (below every digit), 999 less the
    number of digits of ``n`` (3 digits: longer numbers first), then the
    complement of ``n`` in that many digits. No space in either form."""
    if n < 0:
        raise ValueError('count out of range: %d' % n)
    if n <= _TOP:
        return b'%020d' % (_TOP - n)
    digits = len(str(n))
    if digits > _MAX_DIGITS:
        raise ValueError('count out of range: %d digits' % digits)
    return b'%s%03d%0*d' % (_LONG, _MAX_DIGITS - digits, digits, 10 ** digits - 1 - n)


def from_descending(code):
    """The count that :func:`descending` turned into ``code``."""
    if code[:1] == _LONG:
        digits = _MAX_DIGITS - int(code[1:4])
        return 10 ** digits - 1 - int(code[4:])
    return _TOP - int(code)


def keep_smallest(items, n):
    """Cut the list ``items`` down to its ``n`` smallest, sorted; in place."""
    items.sort()
    del items[n:]


def format_counters(counters):
    """Lines of text for mrjob's counters, merged across steps."""
    merged = merge_counters(counters)
    lines = []
    for group in sorted(merged):
        lines.append('%s:' % group)
        for name in sorted(merged[group]):
            lines.append('  %s: %d' % (name, merged[group][name]))
    return lines


class BadRecords:
    """Where a task writes what it skipped (``--bad-records DIR``), for a person
    to inspect, mend and count again.

    ``NAME.bad`` holds skipped lines exactly as they were read (mended, it is
    input for the same job); ``NAME.why.tsv`` has one ``where<TAB>reason`` line
    for each skipped record, lines or documents. Files are made on first use.
    """

    def __init__(self, directory, name):
        self._base = os.path.join(directory, name.replace('/', '_'))
        self._lines = self._why = None

    def add_line(self, line, where, reason):
        if self._lines is None:
            self._lines = open(self._base + '.bad', 'wb')
        self._lines.write(line.rstrip(b'\n') + b'\n')
        self.add(where, reason)

    def add_document(self, name, data, where, reason):
        """Keep a whole document as ``DIR/name``."""
        directory = os.path.dirname(self._base)
        with open(os.path.join(directory, name.replace('/', '_')), 'wb') as f:
            f.write(data)
        self.add(where, reason)

    def add(self, where, reason):
        if self._why is None:
            self._why = open(self._base + '.why.tsv', 'wb')
        self._why.write(b'%s\t%s\n' % (str(where).encode('utf-8', 'backslashreplace'),
                                       reason.encode('utf-8', 'backslashreplace')))

    def close(self):
        for f in (self._lines, self._why):
            if f is not None:
                f.close()


class TallyJob(JobHelp, Summary, CommittedOutput, SparkLines, MRJob):
    """Base of the mrtally jobs."""

    # Lines reach the mapper as bytes: dump titles are not always UTF-8, and
    # what passes through to the output must stay byte for byte.
    INPUT_PROTOCOL = BytesValueProtocol
    # Keys never hold a tab (fields are joined with spaces), so the first tab
    # separates key from value on every runner.
    INTERNAL_PROTOCOL = BytesProtocol
    OUTPUT_PROTOCOL = BytesValueProtocol
    SORT_VALUES = True

    # Tasks import our own modules: ship the package with every job, as a
    # cluster needs (the inline runner would hide its absence).
    DIRS = ['../jobs#jobs']

    def __init__(self, args=None):
        self.command_line = list(sys.argv[1:] if args is None else args)
        self.started = datetime.datetime.now(datetime.timezone.utc)
        super().__init__(args)

    def configure_args(self):
        super().configure_args()
        # read by the launcher only; tasks learn what they need through cmdenv
        self.arg_parser.add_argument(
            '--skip-bad-files', action='store_true',
            help='skip damaged input files (cut-off .gz, .bz2 or .zip) instead'
                 ' of failing; they are named in the summary and never half counted')
        self.arg_parser.add_argument(
            '--bad-records', metavar='DIR',
            help='write every skipped line or document to DIR, with its file,'
                 ' line number and reason (inline and local runners)')
        # set by the launcher for its tasks on the local runners, never by
        # hand: inputs are text files that list input files
        self.add_passthru_arg('--file-list', action='store_true', help=argparse.SUPPRESS)

    @classmethod
    def run(cls):
        name = os.path.splitext(os.path.basename(sys.modules[cls.__module__].__file__))[0]
        with interrupts.handled(name):
            try:
                super().run()
            except BrokenPipeError:
                # help or output piped into head: the reader has what it wanted
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    def load_args(self, args):
        super().load_args(args)
        self.bad_files = []
        if self.is_task():
            interrupts.die_with_parent()
            return
        try:
            self.options.args = self._whole_inputs(expand_inputs(self.options.args))
        except InputError as e:
            self.arg_parser.error(str(e))

        if self.options.file_list and self.options.runner not in LOCAL_RUNNERS:
            # listed paths are opened by the tasks, which must share our disk
            self.arg_parser.error('--file-list needs the inline or local runner')

        env = {}
        # On a cluster, whole files reach a mapper through mapper_raw: mrjob's
        # input manifest, one map task per file. Here, where a task per file is
        # ruinous over many small files and mrjob's own line reading costs more
        # than our parsing, tasks get lists of local files to read themselves:
        # one list per core, as even in bytes as whole files allow. The lists
        # are gzipped because mrjob gives each compressed input one task
        # (it would cut a plain one into two tasks per core, each paying a
        # Python start-up).
        self.input_files = list(self.options.args)
        if (self.reads_whole_files() and not self.options.file_list
                and self.options.runner in LOCAL_RUNNERS and self.options.args
                and all(is_local(a) for a in self.options.args)):
            self.options.args = _write_file_lists(self.options.args, self._local_task_slots())
            self.options.file_list = True
            # one task per list: jobs that know how many may use it
            env['MRTALLY_MAP_TASKS'] = str(len(self.options.args))

        if self.options.runner in LOCAL_RUNNERS:
            env['MRTALLY_FILE_COUNTERS'] = '1'
            env['MRTALLY_TASK_SLOTS'] = str(self._local_task_slots())
            if sys.version_info < (3, 12):
                # mrjob imports distutils; setuptools' stand-in for it loads
                # pkg_resources, which triples the start-up of every task
                env['SETUPTOOLS_USE_DISTUTILS'] = 'stdlib'
            if self.options.bootstrap_mrjob is None and not self.options.python_bin:
                # tasks run this Python, which has mrjob; importing it from
                # the zip mrjob would make of itself costs each task 0.07 s
                self.options.bootstrap_mrjob = False
        if self.options.bad_records:
            if self.options.runner not in LOCAL_RUNNERS:
                self.arg_parser.error('--bad-records needs the inline or local runner')
            directory = os.path.abspath(self.options.bad_records)
            try:
                os.makedirs(directory, exist_ok=True)
            except OSError as e:
                self.arg_parser.error('--bad-records %s: %s' % (directory, e.strerror))
            env['MRTALLY_BAD_RECORDS'] = directory
        if env:
            self.options.cmdenv = dict(self.options.cmdenv or {}, **env)

        if self.options.runner == 'spark':
            self.set_up_spark()

    def _local_task_slots(self):
        """How many tasks a local runner runs at once."""
        if self.options.runner != 'local':
            return 1  # inline: one after another, in this process
        return self._cores()

    def _cores(self):
        return self.options.num_cores or os.cpu_count() or 1

    # Output rows: the step that makes them has reducer_init=start_rows,
    # reducer_final=end_rows, and its reducer returns add_rows(rows); the last
    # step is MRStep(reducer=self.merge_rows). A row is bytes without a
    # newline, tab or other control byte; rows sort in output order.

    def start_rows(self):
        self._rows = []

    def add_rows(self, rows):
        """Keep ``rows``; the records to pass on (whole runs) or ()."""
        self._rows.extend(rows)
        return self.end_rows() if len(self._rows) >= RUN_ROWS else ()

    def end_rows(self):
        rows, self._rows = self._rows, []
        return [(b'', chunk) for chunk in chunks_of_run(rows)]

    def merge_rows(self, _, chunks):
        for rows in merge_chunks(chunks):
            yield None, self.format_rows(rows)

    def format_rows(self, rows):
        """Output lines, joined by newlines (one value), from a list of rows:
        by default, each row less its first field (:func:`descending` digits),
        with spaces as tabs."""
        return b'\n'.join([row.partition(b' ')[2] for row in rows]).replace(b' ', b'\t')

    def reads_whole_files(self):
        """Whether this run would rather read its input files whole."""
        return False

    def input_protocol(self):
        if self.options.file_list:
            return BytesValueProtocol()
        return super().input_protocol()

    def file_mapper(self, handle_file):
        """Step keyword arguments that hand every input file to
        ``handle_file(path, uri)``."""
        if not self.options.file_list:
            return dict(mapper_raw=handle_file)

        def handle_listed_file(_, line):
            path = os.fsdecode(unquote_to_bytes(line.rstrip(b'\r\n')))
            return handle_file(path, path)
        return dict(mapper=handle_listed_file)

    def _whole_inputs(self, files):
        """``files`` less the damaged ones if --skip-bad-files (noting them in
        ``self.bad_files``); raises InputError for a damaged one otherwise."""
        whole = []
        # decompression releases the GIL: a thread per core, each checking
        # every n-th file (a thread per file costs more than a small file)
        n = self._cores()
        groups = [files[i::n] for i in range(n)]
        with ThreadPoolExecutor(n) as pool:
            found = pool.map(lambda group: [damage_of(f) if is_local(f) else None
                                            for f in group], groups)
            damages = dict(zip(chain(*groups), chain(*found)))
        for f in files:
            damage = damages[f]
            if damage is None:
                whole.append(f)
            elif self.options.skip_bad_files:
                self.bad_files.append((f, damage))
            else:
                raise InputError('damaged input %s: %s (--skip-bad-files skips it)'
                                 % (f, damage))
        if files and not whole:
            raise InputError('every input is damaged: %s' % ', '.join(f for f, _ in self.bad_files))
        return whole

    # Task side: what the launcher asked for through cmdenv

    @staticmethod
    def input_file():
        """The input file (path or URI) of this map task, or ''."""
        return jobconf_from_env('mapreduce.map.input.file', '') or ''

    @staticmethod
    def wants_file_counters():
        return os.environ.get('MRTALLY_FILE_COUNTERS') == '1'

    @staticmethod
    def task_slots():
        """How many tasks of a step run at once, on a local runner; else None."""
        slots = os.environ.get('MRTALLY_TASK_SLOTS')
        return int(slots) if slots else None

    @staticmethod
    def map_tasks():
        """How many map tasks the first step has, if known; else None: from
        the launcher on the local runners (one task per file list), from
        Hadoop's job configuration on Hadoop and EMR (mrjob's local runners
        do not set it, and Spark has no such thing)."""
        tasks = os.environ.get('MRTALLY_MAP_TASKS') or jobconf_from_env('mapreduce.job.maps')
        return int(tasks) if tasks else None

    def emit_skips(self, name, stats, firsts):
        """Report what one input file had skipped, once per reason, with a
        count and the first example: ``firsts`` maps each reason (a counter of
        ``stats``) to where it was first seen. On the local runners in the
        SKIPPED counter group, which the summary shows; elsewhere in the
        task's log (counters are few on a cluster)."""
        for reason, where in firsts.items():
            line = printable_name('%s: %s: %d (first: %s)' % (name, reason, stats[reason], where))
            if self.wants_file_counters():
                self.increment_counter(SKIPPED, line, 1)
            else:
                log.warning('skipped in %s', line)

    def open_bad_records(self, name):
        """A BadRecords for this task, or None without --bad-records."""
        directory = os.environ.get('MRTALLY_BAD_RECORDS')
        return BadRecords(directory, name) if directory else None

    # Streaming tasks (every runner but Spark): mrjob's own run_mapper and
    # run_reducer write each line with two calls to sys.stdout (unbuffered
    # under PYTHONUNBUFFERED=1, as in many containers) and decode each line
    # through several Python calls. These move the same records in batches
    # and call the same step methods that Spark calls.

    def run_mapper(self, step_num=0):
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
        batch = []
        for key, value in pairs:
            batch.append(write(key, value))
            if len(batch) == _BATCH:
                batch.append(b'')
                out.write(b'\n'.join(batch))
                batch.clear()
        if batch:
            batch.append(b'')
            out.write(b'\n'.join(batch))
        out.flush()

    def _non_option_kwargs(self):
        # The switches that tasks get are the user's; add what the launcher
        # decided for them.
        kwargs = super()._non_option_kwargs()
        added = [s for s in self.launcher_switches() if s not in kwargs['extra_args']]
        kwargs['extra_args'] = kwargs['extra_args'] + added
        return kwargs

    def launcher_switches(self):
        """Switches the launcher turned on by itself, for its tasks."""
        return ['--file-list'] if self.options.file_list else []

    def output_chunks(self, runner):
        """The bytes of the job's output, once the runner has run it."""
        return output_chunks(runner, self.final_output_dir or runner.get_output_dir())

    def write_run_record(self, runner):
        """Write RUN_RECORD into the output directory (local or remote), if any."""
        if not self.options.output_dir:
            return
        record = dict(
            job=type(self).__name__,
            module=type(self).__module__,
            runner=self.options.runner or 'inline',
            command_line=self.command_line,
            inputs=self.input_files,
            counters=merge_counters(runner.counters()),
            skipped_files=[dict(path=p, damage=d) for p, d in self.bad_files],
            started=self.started.isoformat(timespec='seconds'),
            finished=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, RUN_RECORD)
            with open(path, 'w') as f:
                json.dump(record, f, indent=2, default=str)
            runner.fs.put(path, runner.fs.join(self.options.output_dir, RUN_RECORD))

    def run_job(self):
        # mrjob's own run_job, plus one-line errors instead of tracebacks for
        # input we refuse, and a short summary at the end (jobs.summary)
        self.set_up_logging(quiet=self.options.quiet,
                            verbose=self.options.verbose,
                            stream=codecs.getwriter('utf_8')(self.stderr))
        with self.make_runner() as runner:
            where = self.final_output_dir or 'standard output'
            try:
                self.run_to_output(runner)
            except BadInput as e:
                log.error('bad input: %s', e)
                sys.exit(1)
            except StepFailedException as e:
                if not interrupts.received():  # a task the signal killed first
                    log.error(str(e))
                sys.exit(1)
            except NothingValid as e:
                self.log_summary(runner, None, None)
                log.error('%s (no output written)', e)
                sys.exit(1)

            rows = None
            if self._should_cat_output():
                try:
                    rows = _write_in_blocks(self.output_chunks(runner), self.stdout)
                except BrokenPipeError:
                    # the reader (head, less) has all it wanted; what is left
                    # to flush at exit goes nowhere, and the cleanup still logs
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                    return
            elif is_local(where):
                rows = sum(chunk.count(b'\n') for chunk in self.output_chunks(runner))
            self.log_summary(runner, rows, where)


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


def _write_in_blocks(chunks, out, size=1 << 20):
    """Write ``chunks`` of bytes to ``out`` about ``size`` bytes at a time;
    return the number of lines written."""
    block, held, lines = [], 0, 0
    for chunk in chunks:
        block.append(chunk)
        held += len(chunk)
        lines += chunk.count(b'\n')
        if held >= size:
            out.write(b''.join(block))
            block, held = [], 0
    out.write(b''.join(block))
    out.flush()
    return lines


def listed_path(path):
    """A path as a line of a file list: percent-encoded, so that no byte of a
    file name (a newline, say) can end the line."""
    return quote_from_bytes(os.fsencode(os.path.abspath(path)), safe='/').encode('ascii')


def _write_file_lists(paths, n):
    """Up to ``n`` temporary gzipped files (removed at exit) that list
    ``paths`` between them, one a line, with about as many bytes each."""
    lists = [[] for _ in range(min(n, len(paths)))]
    sizes = [0] * len(lists)
    size = {p: os.path.getsize(p) for p in paths}
    for i, path in sorted(enumerate(paths), key=lambda ip: -size[ip[1]]):
        emptiest = sizes.index(min(sizes))
        lists[emptiest].append((i, path))
        sizes[emptiest] += size[path]
    names = []
    for listed in lists:
        fd, name = tempfile.mkstemp(prefix='input-files-', suffix='.txt.gz', dir=scratch_dir())
        with os.fdopen(fd, 'wb') as f, gzip.GzipFile(fileobj=f, mode='wb', mtime=0) as z:
            z.write(b''.join(listed_path(p) + b'\n' for _, p in sorted(listed)))
        names.append(name)
    return names
