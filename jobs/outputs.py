"""Output directories as Hadoop keeps them, on every runner.

* An existing ``--output-dir`` that is not empty is refused, in one line,
  unless ``--overwrite`` is given, which replaces it whole. (Hadoop refuses
  one too, but with a stack trace; mrjob's local runners write into it, and a
  new run's part files then mix with an old run's.)
* Part files appear there only once the job has succeeded. The local runners
  write into a hidden directory beside it, which is moved into place at the
  end; Hadoop, EMR and Spark commit their tasks' files themselves.
* The Redshift manifest (``_manifest.json``), the run record
  (``_mrtally.json``) and then ``_SUCCESS`` are written last:
  Hadoop's own marker is turned off, so that a directory with ``_SUCCESS``
  is one whose every file is there. A failed or interrupted run leaves
  nothing that looks complete; readers of job output (:mod:`jobs.report`,
  and a job given another's output as input) refuse a directory without
  ``_SUCCESS``.

Failed runs remove their temporary files (mrjob keeps them unless told
otherwise: ``--cleanup-on-failure NONE`` still does), and the staged output.

Use :meth:`CommittedOutput.run_to_output` where mrjob's ``runner.run()``
would be called.
"""
import functools
import os
import posixpath
import shutil

from mrjob.fs.local import LocalFilesystem
from mrjob.job import MRJob

from jobs.inputs import SUCCESS, is_local, local_path
from jobs.interrupts import deferred, on_forced_exit, output_committed

__all__ = ['CommittedOutput', 'output_chunks']

# Hadoop's (and so EMR's and Spark's) own _SUCCESS, written before our record
_MARK_SUCCESS = 'mapreduce.fileoutputcommitter.marksuccessfuljobs'
# runners that write the output directory through mrjob, on this machine
_LOCAL_RUNNERS = (None, 'inline', 'local')


class CommittedOutput(MRJob):
    """A base for jobs whose --output-dir behaves as Hadoop's does; they
    define ``write_run_record(runner)``."""

    def configure_args(self):
        super().configure_args()
        self.arg_parser.add_argument(
            '--overwrite', action='store_true',
            help='replace --output-dir whole if it exists (without this, one that is'
                 ' not empty is refused, as Hadoop does)')

    def load_args(self, args):
        super().load_args(args)
        # where the output goes in the end; options.output_dir is where mrjob writes it
        self.final_output_dir = self.options.output_dir
        if self.is_task():
            return
        if not self.options.cleanup_on_failure:
            self.options.cleanup_on_failure = ['TMP']
        if not self.options.output_dir:
            return
        if self.options.runner not in _LOCAL_RUNNERS:
            # mrjob hands Spark the job's configuration as Spark settings
            key = ('spark.hadoop.' if self.options.runner == 'spark' else '') + _MARK_SUCCESS
            self.options.jobconf = dict(self.options.jobconf or {}, **{key: 'false'})
        elif is_local(self.options.output_dir):
            final = os.path.abspath(local_path(self.options.output_dir))
            if os.path.exists(final) and not (os.path.isdir(final) and not os.listdir(final)):
                self._refuse_existing(final)
            self.final_output_dir = final
            # beside it, so that moving it into place is a rename
            self.options.output_dir = os.path.join(
                os.path.dirname(final), '.%s.mrtally-%d' % (os.path.basename(final), os.getpid()))
            shutil.rmtree(self.options.output_dir, ignore_errors=True)
            staged = self.options.output_dir
            on_forced_exit(lambda: shutil.rmtree(staged, ignore_errors=True))

    def _refuse_existing(self, output_dir):
        if not self.options.overwrite:
            self.arg_parser.error('output directory %s exists and is not empty'
                                  ' (--overwrite replaces it)' % output_dir)

    def output_fs(self, runner):
        """The filesystem of the output directory: a local one (``file://``
        included) is written directly, whatever the runner (the Spark
        runner's filesystem would hand ``file://`` to a ``hadoop`` binary)."""
        if self.options.output_dir and is_local(self.options.output_dir):
            return LocalFilesystem()
        return runner.fs

    def check_output(self, runner):
        """Raise an exception if the run's output must not be committed."""

    def run_to_output(self, runner):
        """``runner.run()``, then the output committed: see the module."""
        out = self.final_output_dir
        staged = out and self.options.output_dir != out
        fs = self.output_fs(runner)
        if out and not staged and fs.exists(out) and any(True for _ in fs.ls(out)):
            self._refuse_existing(out)
            fs.rm(out)
        try:
            runner.run()
            self.check_output(runner)
            if not out:
                return
            self.write_run_record(runner)
            # a signal half way would lose both directories; one after it
            # would call a whole output interrupted
            with deferred():
                fs.touchz(fs.join(self.options.output_dir, SUCCESS))
                if staged:
                    _move_into_place(self.options.output_dir, out)
                output_committed()
        except BaseException:
            if staged:
                shutil.rmtree(self.options.output_dir, ignore_errors=True)
            raise


def _move_into_place(staged, final):
    # the old directory (--overwrite) goes only once the new one is in place
    old = None
    if os.path.exists(final):
        old = staged + '.old'
        os.rename(final, old)
    os.rename(staged, final)
    if old:
        shutil.rmtree(old) if os.path.isdir(old) else os.remove(old)


def output_chunks(runner, directory):
    """The bytes of the part files in ``directory``, in order, as mrjob's
    ``cat_output`` reads them, but plain local files in big blocks (mrjob
    reads a local file a line at a time)."""
    path = local_path(directory)
    if is_local(directory) and os.path.isdir(path):
        # what mrjob would read: names not starting with _ or .
        parts = [os.path.join(path, name) for name in sorted(os.listdir(path))
                 if not name.startswith(('_', '.'))]
        if all(os.path.isfile(p) and not p.endswith(('.gz', '.bz2')) for p in parts):
            for part in parts:
                with open(part, 'rb') as f:
                    yield from iter(functools.partial(f.read, 1 << 20), b'')
            return
    for part in sorted(runner.fs.ls(directory)):
        if not posixpath.basename(part).startswith(('_', '.')):
            yield from runner.fs.cat(part)
