"""What mrtally jobs do on mrjob's Spark runner, through mrjob's extension
points, so that they give the same bytes there as everywhere else.

mrjob's Spark harness reads lines with Spark's text reading and writes them
with its text writing, both through Java strings, which replace bytes that are
not UTF-8 with U+FFFD: a CP1251 title would come out as four of them. So the
job gives the harness a Hadoop input and output format of ours
(``mrtally.ByteLine{In,Out}putFormat``, hadoop/src/, built by ``make hadoop``)
that carry each byte as the char of the same number, and its protocols turn
those chars back into the bytes (:class:`jobs.protocols.ByteChars`). A job
whose mapper counts lines in bulk gets them about 4 MB a record
(``mrtally.ByteBlockInputFormat``, :meth:`SparkLines.reads_spark_blocks`): a
record a line costs PySpark and mrjob's harness more than counting it. A job
that needs each line's file name (MRHourlyViews) gets it from the same input
format, since mrjob's ``--emulate-map-input-file`` reads text and is off
whenever an input format is set.

On a ``local[...]`` master the workers run the interpreter that launched the
job, Spark logs warnings only, mrjob's scratch directory goes away at exit, and
the one JVM (driver and executors) gets half of a task's memory budget for its
heap unless told otherwise: with Spark's default of 1 GB it peaked at 1,122 MB
on the bench's hour, with 512 MB at 713 MB, in about the same time.
"""
import argparse
import functools
import os
import sys
import zipfile
from itertools import chain, islice

from mrjob.job import MRJob

from jobs.inputs import scratch_dir
from jobs.protocols import ByteChars
from jobs.spill import MEMORY_MB

__all__ = ['SparkLines', 'IO_JAR', 'package_zip']

# This checkout, for the files that `make hadoop` builds and emr/ holds
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# mrtally.ByteLine{In,Out}putFormat (hadoop/src/), built by `make hadoop`
IO_JAR = os.environ.get('MRTALLY_IO_JAR') or os.path.join(_ROOT, '.hadoop', 'mrtally-io.jar')
SPARK_LOG_CONFIG = os.path.join(_ROOT, 'emr', 'spark-log4j2.properties')
# the least heap Spark starts with (it wants 450 MB)
SPARK_LEAST_HEAP_MB = 512


@functools.lru_cache(maxsize=None)
def package_zip():
    """The jobs package as a zip (built once per process), for Spark, which
    puts ``--py-files`` on the path of its Python workers."""
    package = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(scratch_dir(), 'jobs.zip')
    with zipfile.ZipFile(path, 'w') as z:
        for name in sorted(os.listdir(package)):
            if name.endswith('.py'):
                z.write(os.path.join(package, name), 'jobs/' + name)
    return path


class SparkLines(MRJob):
    """A base for jobs whose lines are bytes: nothing changes but on Spark."""

    def configure_args(self):
        super().configure_args()
        # set by the launcher for the harness's tasks, never by hand: lines
        # travel as ByteChars, each led by its file's path with --spark-paths
        self.add_passthru_arg('--spark-bytes', action='store_true', help=argparse.SUPPRESS)
        self.add_passthru_arg('--spark-paths', action='store_true', help=argparse.SUPPRESS)

    def set_up_spark(self):
        """The launcher's settings for the Spark runner."""
        # Spark imports the job module from a zip of its own, without DIRS
        self.options.py_files = list(self.options.py_files or []) + [package_zip()]
        # Lines in and out as ByteChars, through our Hadoop formats: Spark's
        # own text reading and writing replace bytes that are not UTF-8.
        if not os.path.exists(IO_JAR):
            self.arg_parser.error('the Spark runner needs %s, which keeps titles byte for byte:'
                                  ' run make hadoop' % IO_JAR)
        self.options.libjars = list(self.options.libjars or []) + [IO_JAR]
        self.options.spark_bytes = True
        self.options.spark_paths = self.needs_input_file()
        spark_args = list(self.options.spark_args or [])
        if '--driver-java-options' not in spark_args:
            spark_args += ['--driver-java-options', '-XX:-UsePerfData'
                           ' -Dlog4j2.configurationFile=file:' + SPARK_LOG_CONFIG]
        if (self.options.spark_master or '').startswith('local'):
            if not self.options.python_bin:
                # workers on this machine run the interpreter that launched the job
                self.options.python_bin = sys.executable
            if not self.options.spark_tmp_dir:
                # mrjob leaves its Spark scratch directory behind; ours goes at exit
                self.options.spark_tmp_dir = os.path.join(scratch_dir(), 'spark')
            told = spark_args + list(self.options.jobconf or {})
            if not any('driver-memory' in a or 'spark.driver.memory' in a for a in told):
                # the JVM holds about as much again outside its heap
                spark_args += ['--driver-memory', '%dm' % max(SPARK_LEAST_HEAP_MB,
                                                              self.memory_budget() // 2)]
        self.options.spark_args = spark_args

    def memory_budget(self):
        """MB that one process of the job may hold."""
        return MEMORY_MB

    def make_runner(self):
        runner = super().make_runner()
        tmp = self.options.spark_tmp_dir
        if self.options.runner == 'spark' and tmp and '://' not in tmp:
            # mrjob's harness makes its counter directory there with os.mkdir, which
            # fails unless something else (output without --output-dir) made it first
            os.makedirs(os.path.join(tmp, runner.get_job_key()), exist_ok=True)
        return runner

    def reads_spark_blocks(self):
        """Whether the job's first mapper takes blocks of lines on Spark
        (``mrtally.ByteBlockInputFormat``: about 4 MB of lines joined by
        newlines a record), not a line a record."""
        return False

    def spark_blocks(self):
        """Whether this job's lines arrive from Spark in blocks."""
        return self.options.spark_bytes and self.reads_spark_blocks()

    def needs_input_file(self):
        """Whether map tasks need to know the file of their lines
        (``mapreduce.map.input.file``), which Spark does not tell unless asked."""
        return False

    def input_protocol(self):
        protocol = super().input_protocol()
        return ByteChars(protocol, self.options.spark_paths) if self.options.spark_bytes else protocol

    def map_pairs(self, pairs, step_num=0):
        if self.options.spark_paths:
            # the first line read names the task's file: read it before mapper_init
            pairs = iter(pairs)
            pairs = chain(list(islice(pairs, 1)), pairs)
        return super().map_pairs(pairs, step_num)

    def output_protocol(self):
        protocol = super().output_protocol()
        return ByteChars(protocol) if self.options.spark_bytes else protocol

    def reduce_pairs(self, pairs, step_num=0):
        if not self.options.spark_bytes or step_num != len(self.steps()) - 1:
            yield from super().reduce_pairs(pairs, step_num)
            return
        empty = True
        for pair in super().reduce_pairs(pairs, step_num):
            empty = False
            yield pair
        if empty:
            # PySpark cannot save a result without records: an empty key and
            # value, which mrtally.ByteLineOutputFormat does not write
            yield None, b'\t'

    def hadoop_input_format(self):
        if self.options.runner == 'spark':
            return 'mrtally.%sByte%sInputFormat' % ('File' if self.options.spark_paths else '',
                                                    'Block' if self.spark_blocks() else 'Line')
        return super().hadoop_input_format()

    def hadoop_output_format(self):
        if self.options.runner == 'spark':
            return 'mrtally.ByteLineOutputFormat'
        return super().hadoop_output_format()

    def _non_option_kwargs(self):
        kwargs = super()._non_option_kwargs()
        for flag in ('spark_bytes', 'spark_paths'):
            switch = '--' + flag.replace('_', '-')
            if getattr(self.options, flag) and switch not in kwargs['extra_args']:
                kwargs['extra_args'] = kwargs['extra_args'] + [switch]
        # mrjob 0.7.4 hands Spark's harness the job's own switches as a single
        # --job-args string, which argparse mistakes for an option when it is
        # one flag and nothing else (--spark-bytes). Every flag of ours may be
        # repeated, so say it twice.
        if self.options.runner == 'spark' and len(kwargs['extra_args']) == 1:
            kwargs['extra_args'] = kwargs['extra_args'] * 2
        return kwargs
