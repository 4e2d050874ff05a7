"""What the launcher decides about a job's input before it runs, and what its
tasks learn of it.

Inputs are expanded (:mod:`jobs.inputs`) and damaged ones refused or skipped
up front. On a cluster, whole files reach a mapper through ``mapper_raw``
(mrjob's input manifest, one map task per file). On the local runners, where
a task per file is ruinous over many small files and mrjob's own line reading
costs more than our parsing, tasks get lists of local files to read
themselves (``--file-list``, set by the launcher, never by hand). Tasks learn
the rest through ``cmdenv`` (``MRTALLY_*``), read by the static methods here.
"""
import argparse
import gzip
import os
import re
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from itertools import chain
from urllib.parse import quote_from_bytes, unquote_to_bytes

from mrjob.compat import jobconf_from_env
from mrjob.job import MRJob
from mrjob.protocol import BytesValueProtocol

from jobs.bad_records import BadRecords
from jobs.inputs import InputError, damage_of, expand_inputs, is_local, scratch_dir

__all__ = ['InputPlanning', 'LOCAL_RUNNERS', 'listed_path', 'spark_local_threads']

# Runners whose tasks run on this machine: they can write --bad-records to a
# local directory, and have no cap on the number of counters (Hadoop's is 120).
LOCAL_RUNNERS = (None, 'inline', 'local')


class InputPlanning(MRJob):
    """Input expansion, damage checks, file lists and the task environment."""

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

    def load_args(self, args):
        super().load_args(args)
        self.bad_files = []
        if self.is_task():
            return
        try:
            self.options.args = self._whole_inputs(expand_inputs(self.options.args))
        except InputError as e:
            self.arg_parser.error(str(e))

        if self.options.file_list and self.options.runner not in LOCAL_RUNNERS:
            # listed paths are opened by the tasks, which must share our disk
            self.arg_parser.error('--file-list needs the inline or local runner')

        if not self.options.local_tmp_dir:
            # mrjob's own temporary directory, inside ours: gone at exit
            # whatever happens (jobs.interrupts)
            self.options.local_tmp_dir = scratch_dir()
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
        threads = spark_local_threads(self.options.spark_master)
        if self.options.runner == 'spark' and threads:
            # a step's reduce tasks run on the master's threads, in this process
            env['MRTALLY_REDUCE_TASKS'] = str(threads)
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

    def _local_task_slots(self):
        """How many tasks a local runner runs at once."""
        if self.options.runner != 'local':
            return 1  # inline: one after another, in this process
        return self._cores()

    def _cores(self):
        return self.options.num_cores or os.cpu_count() or 1

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
    def reduce_tasks():
        """How many reduce tasks a step has on a local Spark master (its
        threads, from the launcher) or on Hadoop and EMR (from the job's
        configuration); else None."""
        tasks = os.environ.get('MRTALLY_REDUCE_TASKS') or jobconf_from_env('mapreduce.job.reduces')
        return int(tasks) if tasks else None

    @staticmethod
    def map_tasks():
        """How many map tasks the first step has, if known; else None: from
        the launcher on the local runners (one task per file list), from
        Hadoop's job configuration on Hadoop and EMR (mrjob's local runners
        do not set it, and Spark has no such thing)."""
        tasks = os.environ.get('MRTALLY_MAP_TASKS') or jobconf_from_env('mapreduce.job.maps')
        return int(tasks) if tasks else None

    def open_bad_records(self, name):
        """A BadRecords for this task, or None without --bad-records."""
        directory = os.environ.get('MRTALLY_BAD_RECORDS')
        return BadRecords(directory, name) if directory else None

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


def spark_local_threads(master):
    """The threads of a local Spark master (``local``, ``local[N]``,
    ``local[*]``, ``local[N,F]``); None for any other."""
    found = re.fullmatch(r'local(?:\[(\*|\d+)(?:,\d+)?\])?', master or '')
    if not found:
        return None
    if found.group(1) == '*':
        return os.cpu_count() or 1
    return int(found.group(1) or 1)


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
