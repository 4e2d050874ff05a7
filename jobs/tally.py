"""What every mrtally job shares: byte protocols, sort keys, output rows, the
run record, and the launcher's run.

:class:`TallyJob` puts together, each in a module of its own: what the
launcher decides about the input before a run (:mod:`jobs.planning`), how a
streaming task moves records (:mod:`jobs.streaming`), how output is committed
(:mod:`jobs.outputs`), what the run says on stderr (:mod:`jobs.summary`),
Ctrl-C and SIGTERM (:mod:`jobs.interrupts`) and Spark (:mod:`jobs.spark_lines`).

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
import json
import logging
import os
import posixpath
import re
import sys
import tempfile

from mrjob.job import MRJob
from mrjob.protocol import BytesProtocol, BytesValueProtocol
from mrjob.step import StepFailedException

from jobs import interrupts
from jobs.inputs import is_local, printable_name
from jobs.outputs import CommittedOutput, output_chunks
from jobs.planning import InputPlanning
from jobs.rows import RUN_ROWS, chunks_of_run, merge_chunks
from jobs.spark_lines import SparkLines
from jobs.streaming import BatchedStreaming
from jobs.summary import SKIPPED, JobHelp, NothingValid, Summary, merge_counters

__all__ = ['BadInput', 'TallyJob', 'at_least', 'field_value', 'descending', 'from_descending',
           'keep_smallest', 'merge_counters', 'format_counters', 'RUN_RECORD', 'MANIFEST']

# Written beside the part files of every run with --output-dir: what a report
# needs to say where its numbers came from. Hadoop skips names starting with _.
RUN_RECORD = '_mrtally.json'
# and a Redshift COPY manifest of its part files, every one mandatory
MANIFEST = '_manifest.json'

log = logging.getLogger(__name__)

# Up to 20 digits (any sum of counts that fit Hive's BIGINT), a letter says
# how many: A for 20, T for 1. A larger sum (eleven lines of 2**63 - 1 views
# make one) takes a longer form that sorts first.
_WIDTH = 20
_TOP = 10 ** _WIDTH - 1
LETTERS = [None] + [b'%c' % (ord('A') + _WIDTH - d) for d in range(1, _WIDTH + 1)]
NINE_MINUS = bytes.maketrans(b'0123456789', b'9876543210')
_LONG = b'!'    # below every digit and letter
_MAX_DIGITS = 999


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
    """Bytes that sort bytewise in descending order of the count ``n``: below
    10**20, a letter for its number of digits (more digits first), then each
    digit as 9 less it; above, ``!`` (below every letter), 999 less the number
    of digits of ``n`` (3 digits: longer numbers first), then the complement
    of ``n`` in that many digits. No space in either form. Short, because
    every output row carries it between the steps."""
    if n < 0:
        raise ValueError('count out of range: %d' % n)
    if n <= _TOP:
        digits = b'%d' % n
        return LETTERS[len(digits)] + digits.translate(NINE_MINUS)
    digits = len(str(n))
    if digits > _MAX_DIGITS:
        raise ValueError('count out of range: %d digits' % digits)
    return b'%s%03d%0*d' % (_LONG, _MAX_DIGITS - digits, digits, 10 ** digits - 1 - n)


def from_descending(code):
    """The count that :func:`descending` turned into ``code``."""
    if code[:1] == _LONG:
        digits = _MAX_DIGITS - int(code[1:4])
        return 10 ** digits - 1 - int(code[4:])
    return int(code[1:].translate(NINE_MINUS))


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


class TallyJob(JobHelp, Summary, CommittedOutput, InputPlanning, BatchedStreaming, SparkLines, MRJob):
    """Base of the mrtally jobs."""

    # Lines reach the mapper as bytes: dump titles are not always UTF-8, and
    # what passes through to the output must stay byte for byte.
    INPUT_PROTOCOL = BytesValueProtocol
    # Keys never hold a tab (fields are joined with spaces), so the first tab
    # separates key from value on every runner.
    INTERNAL_PROTOCOL = BytesProtocol
    OUTPUT_PROTOCOL = BytesValueProtocol
    SORT_VALUES = True
    # the output's columns and their types, for the run record: string (UTF-8
    # text), bytes (any bytes but tab, newline and other control bytes),
    # bigint (decimal digits)
    COLUMNS = ()

    # Tasks import our own modules: ship the package with every job, as a
    # cluster needs (the inline runner would hide its absence).
    DIRS = ['../jobs#jobs']

    def __init__(self, args=None):
        self.command_line = list(sys.argv[1:] if args is None else args)
        self.started = datetime.datetime.now(datetime.timezone.utc)
        super().__init__(args)

    # whether this process runs one job from its command line and ends
    one_job = False

    @classmethod
    def run(cls):
        name = os.path.splitext(os.path.basename(sys.modules[cls.__module__].__file__))[0]
        cls.one_job = True
        with interrupts.handled(name):
            try:
                super().run()
            except BrokenPipeError:
                # help or output piped into head: the reader has what it wanted
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    def make_runner(self):
        if not (self.one_job and self.options.runner == 'local'
                and 'mrjob.bin' not in sys.modules and 'pyspark' not in sys.modules):
            return super().make_runner()
        # The local runner's module imports mrjob.bin, which imports pyspark
        # to find spark-submit, and pyspark imports numpy: 0.13 s of every
        # launch, and a thread (OpenBLAS's) in the launcher, which then forks
        # the runner's pool. A launcher of one local job never needs it.
        sys.modules['pyspark'] = None
        try:
            return super().make_runner()
        finally:
            del sys.modules['pyspark']

    def load_args(self, args):
        super().load_args(args)
        if self.is_task():
            interrupts.die_with_parent()
        elif self.options.runner == 'spark':
            self.set_up_spark()

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

    def emit_skips(self, name, stats, firsts):
        """Report what one input file had skipped, once per reason, with a
        count and the first example: ``firsts`` maps each reason (a counter of
        ``stats``) to where it was first seen. On the local runners in the
        SKIPPED counter group, which the summary shows; on Hadoop and EMR in
        the task's log (counters are few on a cluster)."""
        for reason, where in firsts.items():
            line = printable_name('%s: %s: %d (first: %s)' % (name, reason, stats[reason], where))
            if self.wants_file_counters():
                self.increment_counter(SKIPPED, line, 1)
            elif not self.options.spark_bytes:  # Spark's tasks log to the user's terminal
                log.warning('skipped in %s', line)

    def output_chunks(self, runner):
        """The bytes of the job's output, once the runner has run it."""
        return output_chunks(runner, self.final_output_dir or runner.get_output_dir())

    def write_run_record(self, runner):
        """Write MANIFEST and RUN_RECORD into the output directory (local or
        remote), if any."""
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
        record['columns'] = [dict(name=n, type=t) for n, t in self.COLUMNS]
        fs = self.output_fs(runner)
        # where the parts will be once committed (the local runners stage them)
        final = self.final_output_dir
        parts = sorted((posixpath.basename(p), fs.du(p)) for p in fs.ls(self.options.output_dir)
                       if posixpath.basename(p).startswith('part-'))
        manifest = dict(entries=[dict(url=fs.join(final, name), mandatory=True,
                                      meta=dict(content_length=size)) for name, size in parts])
        with tempfile.TemporaryDirectory() as tmp:
            for name, content in ((MANIFEST, manifest), (RUN_RECORD, record)):
                path = os.path.join(tmp, name)
                with open(path, 'w') as f:
                    json.dump(content, f, indent=2, default=str)
                fs.put(path, fs.join(self.options.output_dir, name))

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
