"""What every mrtally job shares: byte protocols, input expansion, sort keys and
a summary of what was counted and skipped.

Jobs end with a step whose reducer receives every row under one key, sorted by
mrjob's SORT_VALUES (Hadoop's secondary sort; Spark and the local runners sort
in memory), so the output order is the same on every runner. Rows are sorted as
bytes, so sort keys put a count first as :func:`descending` digits.
"""
import atexit
import codecs
import functools
import logging
import os
import shutil
import sys
import tempfile
import zipfile
from collections import defaultdict

from mrjob.job import MRJob
from mrjob.protocol import BytesProtocol, BytesValueProtocol
from mrjob.step import StepFailedException
from mrjob.util import log_to_null, log_to_stream

from jobs.inputs import InputError, expand_inputs

__all__ = ['BadInput', 'TallyJob', 'descending', 'from_descending',
           'keep_smallest', 'format_counters']

log = logging.getLogger(__name__)

# 20 digits hold any sum of counts that fit Hive's BIGINT
_WIDTH = 20
_TOP = 10 ** _WIDTH - 1


class BadInput(Exception):
    """Input the job was told not to skip (``--strict``); the message names it."""


def descending(n):
    """Fixed-width digits that sort bytewise in descending order of ``n``."""
    if not 0 <= n <= _TOP:
        raise ValueError('count out of range: %d' % n)
    return b'%020d' % (_TOP - n)


def from_descending(digits):
    """The count that :func:`descending` turned into ``digits``."""
    return _TOP - int(digits)


def keep_smallest(items, n):
    """Cut the list ``items`` down to its ``n`` smallest, sorted; in place."""
    items.sort()
    del items[n:]


def format_counters(counters):
    """Lines of text for mrjob's counters (a list of ``{group: {name: n}}``
    per step), merged across steps."""
    merged = defaultdict(lambda: defaultdict(int))
    for step in counters:
        for group, names in step.items():
            for name, n in names.items():
                merged[group][name] += n
    lines = []
    for group in sorted(merged):
        lines.append('%s:' % group)
        for name in sorted(merged[group]):
            lines.append('  %s: %d' % (name, merged[group][name]))
    return lines


@functools.lru_cache(maxsize=None)
def package_zip():
    """The jobs package as a zip (built once per process, removed at exit), for
    Spark, which puts ``--py-files`` on the path of its Python workers."""
    package = os.path.dirname(os.path.abspath(__file__))
    tmp = tempfile.mkdtemp(prefix='mrtally-')
    atexit.register(shutil.rmtree, tmp, True)
    path = os.path.join(tmp, 'jobs.zip')
    with zipfile.ZipFile(path, 'w') as z:
        for name in sorted(os.listdir(package)):
            if name.endswith('.py'):
                z.write(os.path.join(package, name), 'jobs/' + name)
    return path


class TallyJob(MRJob):
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

    def load_args(self, args):
        super().load_args(args)
        if self.is_task():
            return
        try:
            self.options.args = expand_inputs(self.options.args)
        except InputError as e:
            self.arg_parser.error(str(e))
        if self.options.runner == 'spark':
            # Spark imports the job module from a zip of its own, without DIRS
            self.options.py_files = list(self.options.py_files or []) + [package_zip()]

    def _non_option_kwargs(self):
        # mrjob 0.7.4 hands Spark's harness the job's own switches as a single
        # --job-args string, which argparse mistakes for an option when it is
        # one flag and nothing else (--packed). Every flag of ours may be
        # repeated, so say it twice.
        kwargs = super()._non_option_kwargs()
        if self.options.runner == 'spark' and len(kwargs['extra_args']) == 1:
            kwargs['extra_args'] = kwargs['extra_args'] * 2
        return kwargs

    @classmethod
    def set_up_logging(cls, quiet=False, verbose=False, stream=None):
        super().set_up_logging(quiet=quiet, verbose=verbose, stream=stream)
        if quiet:
            log_to_null(name='jobs')
        else:
            log_to_stream(name='jobs', debug=verbose, stream=stream)

    def run_job(self):
        # mrjob's own run_job, plus a one-line error instead of a traceback for
        # input we refuse, and a summary of the counters at the end.
        self.set_up_logging(quiet=self.options.quiet,
                            verbose=self.options.verbose,
                            stream=codecs.getwriter('utf_8')(self.stderr))
        with self.make_runner() as runner:
            try:
                runner.run()
            except BadInput as e:
                log.error('bad input: %s', e)
                sys.exit(1)
            except StepFailedException as e:
                log.error(str(e))
                sys.exit(1)

            if self._should_cat_output():
                try:
                    for chunk in runner.cat_output():
                        self.stdout.write(chunk)
                    self.stdout.flush()
                except BrokenPipeError:
                    # the reader (head, less) has all it wanted
                    sys.stderr.close()
                    return

            log.info('Summary of %s:', type(self).__name__)
            for line in format_counters(runner.counters()):
                log.info('  %s', line)
