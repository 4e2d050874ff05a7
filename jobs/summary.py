"""What a run tells its user on stderr: a short summary, and no more.

By default a job writes its output and then a few lines: how many rows went
where, what it read, counted and skipped (by reason, and on the local
runners once per input file and reason with the first example), which input
files were damaged, and which yielded nothing the job reads, with a guess at
what they are instead. mrjob's own progress lines appear with ``-v`` (its
debug lines with ``-vv``); ``-q`` keeps the summary and warnings, ``-qq``
only errors.

A run that read records but found none valid fails (exit 1) before its
output is committed: the user gave it the wrong files. (On Hadoop, EMR and
Spark, which write the output directory themselves, it is left without
``_SUCCESS``, which readers refuse.)
"""
import logging
from collections import defaultdict

from mrjob.job import MRJob
from mrjob.util import log_to_null, log_to_stream

from jobs.inputs import looks_like, printable_name
from jobs.interrupts import received

__all__ = ['Summary', 'JobHelp', 'NothingValid', 'SKIPPED', 'merge_counters']

log = logging.getLogger('jobs.summary')
# the counter group of skipped records, one counter per input file and reason
SKIPPED = 'skipped by file'   # no comma: mrjob turns one into ;
# at most this many lines of skipped records, one per file and reason
_SKIP_LINES = 10


class NothingValid(Exception):
    """The run read records and found none that the job counts."""


class Summary(MRJob):
    """A base for jobs with a summary. Subclasses set GROUP (their counter
    group), VALID (its counters of valid records) and may refine
    :meth:`hint`."""

    GROUP = None
    VALID = ()

    def load_args(self, args):
        super().load_args(args)
        # mrjob's -q and -v are switches; here they count (before any --)
        given = list(args[:args.index('--')] if '--' in args else args)
        self.options.quiet = sum(a in ('-q', '--quiet') for a in given)
        self.options.verbose = sum(a in ('-v', '--verbose') for a in given)

    @classmethod
    def set_up_logging(cls, quiet=False, verbose=False, stream=None):
        quiet, verbose = int(quiet or 0), int(verbose or 0)
        for name in ('mrjob', '__main__'):
            if quiet:
                log_to_null(name=name)
            else:
                level = (logging.DEBUG if verbose > 1 else logging.INFO if verbose
                         else logging.WARNING)
                log_to_stream(name=name, level=level, stream=stream)
                handler = logging.getLogger(name).handlers[-1]
                handler.addFilter(_not_after_a_signal)
                if not verbose:
                    handler.addFilter(_no_config_notes)
        if quiet > 1:
            log_to_stream(name='jobs', level=logging.ERROR, stream=stream)
        else:
            log_to_stream(name='jobs', level=logging.DEBUG if verbose else logging.INFO,
                          stream=stream)

    def hint(self, looks):
        """Why a file that yielded nothing valid did so, from what it
        looks like (:func:`jobs.inputs.looks_like`)."""
        return 'looks like %s' % looks if looks else 'not what this job reads'

    def check_output(self, runner):
        """Raise NothingValid if the run read records and none was valid."""
        totals = merge_counters(runner.counters()).get(self.GROUP, {})
        if any(totals.values()) and not sum(totals.get(v, 0) for v in self.VALID):
            raise NothingValid('nothing valid in the input: %s' % '; '.join(
                '%s: %s' % pair for pair in self.files_without_valid(runner)) or 'no record counted')

    def files_without_valid(self, runner):
        """``(file, hint)`` for each input file that yielded records, none
        valid (known on the local runners, which count by file)."""
        paths = {}
        for path in getattr(self, 'input_files', ()):
            paths.setdefault(printable_name(path.rstrip('/').rsplit('/', 1)[-1]), path)
        found = []
        for group, names in sorted(merge_counters(runner.counters()).items()):
            if not group.startswith('file ') or not any(names.values()):
                continue
            if not sum(names.get(v, 0) for v in self.VALID):
                name = group[len('file '):]
                path = paths.get(name)
                found.append((name, self.hint(looks_like(path) if path else None)))
        return found

    def log_summary(self, runner, rows, where):
        """Log the summary: ``rows`` out (or None if not known) to ``where``
        (None: no output)."""
        counters = merge_counters(runner.counters())
        job = type(self).__module__.rpartition('.')[2]
        if job == '__main__':
            job = type(self).__name__
        if where is None:
            log.info('%s: no output', job)
        else:
            log.info('%s: %s to %s', job, 'rows' if rows is None else '{:,} rows'.format(rows), where)
        for group, names in counters.items():
            if group.startswith('file ') or group == SKIPPED:
                continue
            log.info('  %s: %s', group, '; '.join('%s %s' % (format(n, ','), name)
                                                  for name, n in names.items()))
        skipped = list(counters.get(SKIPPED, {}))
        for line in skipped[:_SKIP_LINES]:
            log.warning('  skipped in %s', line)
        if len(skipped) > _SKIP_LINES:
            log.warning('  ... and %d more (--bad-records DIR keeps every skipped record)',
                        len(skipped) - _SKIP_LINES)
        for path, damage in getattr(self, 'bad_files', ()):
            log.warning('  skipped damaged input %s: %s', path, damage)
        for name, hint in self.files_without_valid(runner):
            log.warning('  nothing valid in %s: %s', name, hint)



def _not_after_a_signal(record):
    # a failure that follows Ctrl-C or SIGTERM is the signal's doing, and
    # the run says so in one line (jobs.interrupts)
    return received() is None


def _no_config_notes(record):
    # mrjob warns that no mrjob.conf is in use, which is how most runs go
    return not str(record.msg).startswith('No configs')


def merge_counters(counters):
    """mrjob's counters (a list of ``{group: {name: n}}`` per step), summed
    over steps, as ``{group: {name: n}}`` in sorted order."""
    merged = defaultdict(lambda: defaultdict(int))
    for step in counters:
        for group, names in step.items():
            for name, n in names.items():
                merged[group][name] += n
    return {group: dict(sorted(merged[group].items())) for group in sorted(merged)}


class JobHelp(MRJob):
    """``--help`` that starts with what the job computes and its output
    columns (the module's docstring, up to its sample command line), then
    the job's own options in a group of their own, then mrjob's."""

    def _print_help(self, options):
        # mrjob's documented place for other kinds of help
        if options.runner:
            return super()._print_help(options)
        import argparse
        import sys
        doc = sys.modules[type(self).__module__].__doc__ or ''
        about = doc.split('Sample command line:')[0].strip()
        mrjob_dests = {a.dest for a in MRJob(args=[]).arg_parser._actions}
        own = [a for a in self.arg_parser._actions
               if a.dest not in mrjob_dests and a.help != argparse.SUPPRESS and a.option_strings]
        ours = argparse.ArgumentParser(usage=argparse.SUPPRESS, description=about, add_help=False,
                                       formatter_class=argparse.RawDescriptionHelpFormatter)
        group = ours.add_argument_group('options of this job')
        for action in own:
            group._add_action(action)
        ours.print_help()
        print("\nmrjob's options: here -q keeps the summary (-qq: only errors), and -v shows"
              " mrjob's progress (-vv: its debug lines too)\n")
        theirs = argparse.ArgumentParser(add_help=False)
        for action in self.arg_parser._actions:
            if action not in own and action.help != argparse.SUPPRESS:
                theirs._add_action(action)
        saved, self.arg_parser = self.arg_parser, theirs
        try:
            super()._print_help(options)
        finally:
            self.arg_parser = saved
