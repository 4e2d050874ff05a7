"""Ctrl-C and SIGTERM at several moments of real runs (jobs.interrupts)."""
import gzip
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT


@pytest.fixture(scope='module')
def big_hour(tmp_path_factory):
    """An hour long enough to interrupt: 600,000 lines."""
    path = tmp_path_factory.mktemp('big') / 'pageviews-20240101-000000.gz'
    rng = random.Random(1)
    with gzip.open(path, 'wb', compresslevel=1) as f:
        f.write(b''.join(b'en P%d %d 0\n' % (rng.randrange(200000), rng.randrange(1, 9))
                         for _ in range(600000)))
    return path


@pytest.fixture(scope='module')
def run_time(big_hour, tmp_path_factory):
    """Seconds a whole run over big_hour takes here, by runner: the moments
    to interrupt are fractions of it, so a faster job or machine still gets
    interrupted throughout."""
    times = {}

    def run_time(runner):
        if runner not in times:
            out = tmp_path_factory.mktemp('whole') / 'out'
            start = time.monotonic()
            subprocess.run([sys.executable, '-m', 'jobs.mr_page_views', '-r', runner, '--no-conf',
                            '--output-dir', str(out), str(big_hour)],
                           cwd=ROOT, capture_output=True, check=True, timeout=120)
            times[runner] = time.monotonic() - start
        return times[runner]
    return run_time


def interrupt(tmp_path, runner, args, delay, signum, whole_group):
    """Start a job, send ``signum`` after ``delay`` s (to its process group,
    as Ctrl-C does, or to the launcher alone, as kill does); return its exit
    status and stderr, with TMPDIR a directory of its own."""
    tmp = tmp_path / 'tmp'
    tmp.mkdir()
    conf = ['-c', 'emr/hadoop-local.conf'] if runner == 'hadoop' else ['--no-conf']
    job = subprocess.Popen(
        [sys.executable, '-m', 'jobs.mr_page_views', '-r', runner, *conf, *map(str, args)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        env=dict(os.environ, TMPDIR=str(tmp)))
    time.sleep(delay)
    (os.killpg if whole_group else os.kill)(job.pid, signum)
    _, err = job.communicate(timeout=120)
    return job.returncode, err.decode(), tmp


@pytest.mark.parametrize('runner', ['inline', 'local'])
@pytest.mark.parametrize('signum, whole_group', [(signal.SIGINT, True), (signal.SIGTERM, False)])
def test_an_interrupted_run_says_so_in_one_line_and_leaves_nothing(
        big_hour, run_time, tmp_path, runner, signum, whole_group):
    interrupted = 0
    # from the start-up, through the map tasks, to the last step
    for n, part in enumerate([0.1, 0.3, 0.5, 0.7, 0.9]):
        delay = part * run_time(runner)
        case = tmp_path / str(n)
        case.mkdir()
        out = case / 'out'
        code, err, tmp = interrupt(case, runner, ['--output-dir', out, big_hour], delay,
                                   signum, whole_group)
        if code == 0:   # finished first: then it is whole
            assert sorted(os.listdir(out)) == ['_SUCCESS', '_manifest.json', '_mrtally.json', 'part-00000']
            continue
        interrupted += 1
        assert code == 128 + signum, err
        assert err == ('mr_page_views: interrupted by %s: stopped, temporary files removed,'
                       ' no partial output left\n' % signal.Signals(signum).name)
        assert not out.exists()
        assert os.listdir(case) == ['tmp']      # no staged output either
        assert list(tmp.iterdir()) == []        # mrjob's temporary directory is gone
    assert interrupted >= 2      # a run that goes faster this time may finish first
    # no task is left running
    leftover = subprocess.run(['pgrep', '-f', str(big_hour)], capture_output=True, text=True)
    assert leftover.stdout == ''


def test_an_interrupt_keeps_an_overwritten_output_as_it_was(big_hour, run_time, tmp_path):
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'part-00000').write_bytes(b'old\t1\n')
    (out / '_SUCCESS').write_bytes(b'')
    code, err, _ = interrupt(tmp_path, 'local', ['--overwrite', '--output-dir', out, big_hour],
                             0.5 * run_time('local'), signal.SIGINT, True)
    assert code == 130, err
    assert (out / 'part-00000').read_bytes() == b'old\t1\n'


@pytest.mark.parametrize('signum, whole_group', [(signal.SIGINT, True), (signal.SIGTERM, False)])
def test_hadoop_too(big_hour, tmp_path, signum, whole_group):
    # SIGTERM to the launcher alone: the hadoop process it started is stopped too
    out = tmp_path / 'out'
    code, err, tmp = interrupt(tmp_path, 'hadoop', ['--output-dir', 'file://%s' % out, big_hour],
                               6.0, signum, whole_group)
    assert code == 128 + signum, err
    assert err.endswith('mr_page_views: interrupted by %s: stopped, temporary files removed,'
                        ' no partial output left\n' % signal.Signals(signum).name)
    assert not out.exists() and list(tmp.iterdir()) == []
    assert subprocess.run(['pgrep', '-f', str(big_hour)], capture_output=True).stdout == b''


HANGS = """
import os, sys, tempfile, time
from jobs import interrupts
scratch = tempfile.mkdtemp(dir=sys.argv[1])
interrupts.on_forced_exit(lambda: os.rmdir(scratch))
with interrupts.handled('hangs'):
    try:
        print('ready', flush=True)
        time.sleep(60)
    except BaseException:
        time.sleep(60)      # an unwinding that never ends
"""


def test_a_run_that_hangs_while_unwinding_is_ended_all_the_same(tmp_path):
    job = subprocess.Popen([sys.executable, '-c', HANGS, str(tmp_path)], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=dict(os.environ, MRTALLY_INTERRUPT_GRACE='1'))
    assert job.stdout.readline() == b'ready\n'
    job.send_signal(signal.SIGTERM)
    _, err = job.communicate(timeout=30)
    assert job.returncode == 143
    assert err == b'hangs: interrupted by SIGTERM: stopped, temporary files removed, no partial output left\n'
    assert list(tmp_path.iterdir()) == []    # what it registered was removed


COMMITS = """
import os, signal, sys
from jobs import interrupts
with interrupts.handled('commits'):
    with interrupts.deferred():
        os.kill(os.getpid(), signal.SIGINT)     # lands while the output moves
        if sys.argv[1] == 'commit':
            interrupts.output_committed()
    os.kill(os.getpid(), signal.SIGTERM)        # lands during the cleanup
    print('whole', flush=True)
"""


@pytest.mark.parametrize('commit', [True, False])
def test_a_signal_once_the_output_is_in_place_does_not_call_the_run_interrupted(commit):
    done = subprocess.run([sys.executable, '-c', COMMITS, 'commit' if commit else 'no'],
                          cwd=ROOT, capture_output=True, timeout=60)
    if commit:
        assert (done.returncode, done.stdout, done.stderr) == (0, b'whole\n', b'')
    else:   # before the commit, the same signal stops the run
        assert done.returncode == 130 and done.stdout == b''
        assert done.stderr == (b'commits: interrupted by SIGINT: stopped, temporary files'
                               b' removed, no partial output left\n')


FINALIZES = """
import os, signal, time
from jobs import interrupts
class Finalized:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)     # its handler runs here, where
        sum(range(1000))                        # Python cannot raise
with interrupts.handled('finalizes'):
    Finalized()
    for _ in range(100):
        time.sleep(0.01)
    print('whole', flush=True)
"""


def test_a_signal_that_lands_in_a_finalizer_still_stops_the_run_in_one_line():
    done = subprocess.run([sys.executable, '-c', FINALIZES], cwd=ROOT, capture_output=True,
                          timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (
        130, b'', b'finalizes: interrupted by SIGINT: stopped, temporary files removed,'
                  b' no partial output left\n')


FORKS = """
import os, signal
from jobs import interrupts

def caught_and_blocked():
    status = dict(line.split(':\\t') for line in open('/proc/self/status').read().splitlines()
                  if line.startswith(('SigCgt', 'SigBlk')))
    bit = 1 << (signal.SIGTERM - 1)
    return bool(int(status['SigCgt'], 16) & bit), bool(int(status['SigBlk'], 16) & bit)

with interrupts.handled('forks'):
    pid = os.fork()
    if pid == 0:
        print('worker', *caught_and_blocked(), signal.getsignal(signal.SIGINT) is not signal.SIG_DFL,
              flush=True)
        os._exit(0)
    os.waitpid(pid, 0)
    print('launcher', *caught_and_blocked(), flush=True)
"""


def test_a_forked_pool_worker_dies_of_sigterm_at_the_kernels_default():
    # a Python handler there can miss the signal (a worker about to block on
    # a semaphore), and Pool.terminate then waits for that worker for good
    done = subprocess.run([sys.executable, '-c', FORKS], cwd=ROOT, capture_output=True,
                          timeout=60, check=True)
    assert done.stdout.decode().splitlines() == [
        'worker False False True',      # SIGTERM at the default, SIGINT still ignored by ours
        'launcher True False']          # the launcher's handler, nothing left held
