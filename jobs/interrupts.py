"""Ctrl-C and SIGTERM: one line, exit 130 or 143, and nothing left behind.

A launcher that gets SIGINT or SIGTERM raises :class:`Interrupted` where it
is. It unwinds through mrjob as any failure does: the runner removes its
temporary directory (``cleanup_on_failure``, see :mod:`jobs.outputs`), a
staged output directory is removed, and :func:`handled` prints one line and
exits with 128 + the signal's number, as a shell does.

The local runner's pool workers are forks of the launcher: they ignore
SIGINT (the launcher terminates them), and SIGTERM kills them at once, as
``Pool.terminate`` expects, at the kernel's default: a Python handler there
may never run. A worker blocks on a ``multiprocessing`` semaphore, and a
signal that lands just before it blocks is caught and then left unhandled;
Python also forgets a signal caught in a new child before its interpreter is
ready. Either left ``Pool.terminate`` waiting for good on a worker that
missed its SIGTERM (a failed run hung about once in a hundred). So the
signals are held across the fork, and the child sets SIGTERM's default
before it takes them. Task processes die with
their worker (:func:`die_with_parent`), so none is left running on a
removed directory. Other children (``hadoop jar``, ``spark-submit``), which
mrjob would leave running, get SIGTERM. Once mrjob has unwound, any child
still there is killed: a signal that lands while mrjob's pool is starting
leaves workers that nobody ends, and that would hold the user's stderr open.
A second signal during the cleanup is ignored. A signal that lands where
Python cannot raise (a ``__del__``, a garbage collector's callback) is sent
again a moment later, not printed as an ignored exception.

Should the unwinding hang (a signal can land inside ``multiprocessing``'s
own locking), a watchdog ends the run after :data:`GRACE` seconds all the
same: it removes what :func:`on_forced_exit` registered (the launcher's
scratch directory, which holds mrjob's, and a staged output), says the same
one line and exits with the same status.
"""
import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading

__all__ = ['Interrupted', 'handled', 'while_starting', 'die_with_parent', 'deferred', 'received',
           'on_forced_exit', 'output_committed']

SIGNALS = (signal.SIGINT, signal.SIGTERM)
# seconds an interrupted run has to unwind before the watchdog ends it
GRACE = float(os.environ.get('MRTALLY_INTERRUPT_GRACE', '20'))
log = logging.getLogger(__name__)


class Interrupted(BaseException):
    """The run got ``signum``; a BaseException, so that no ``except
    Exception`` along the way takes it for an error to handle."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


_state = dict(signum=None, owner=None, what=None, active=False, owed=False,
              done=threading.Event(), forking=None)
_cleanups = []


def on_forced_exit(cleanup):
    """Have the watchdog call ``cleanup()`` before it ends a hung run."""
    _cleanups.append(cleanup)


def received():
    """The signal this run got, or None."""
    return _state['signum']


def _on_signal(signum, _frame):
    if os.getpid() != _state['owner']:
        return  # SIGINT in a forked pool worker: the launcher ends it
    if _state['signum'] is None:
        _state['signum'] = signum
        _stop_other_children()
        threading.Thread(target=_watchdog, daemon=True).start()
        raise Interrupted(signum)
    if _state['owed']:      # sent again by _unraisable
        _state['owed'] = False
        raise Interrupted(_state['signum'])


def _before_fork():
    if _state['active'] and os.getpid() == _state['owner']:
        _state['forking'] = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)


def _after_fork_in_parent():
    held, _state['forking'] = _state['forking'], None
    if held is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _after_fork_in_child():
    held, _state['forking'] = _state['forking'], None
    if held is not None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                    after_in_child=_after_fork_in_child)


def _children():
    """The pids of this process's children (Linux; elsewhere none)."""
    pid = os.getpid()
    try:
        tasks = os.listdir('/proc/%d/task' % pid)
        return [int(c) for t in tasks
                for c in open('/proc/%d/task/%s/children' % (pid, t)).read().split()]
    except OSError:
        return []


def _stop_other_children():
    """SIGTERM to the children that are not forks of this process (those
    are the local runner's pool workers, which mrjob ends itself)."""
    def cmdline(pid):
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return f.read()
    try:
        ours = cmdline(os.getpid())
    except OSError:
        return
    for child in _children():
        try:
            if cmdline(child) != ours:
                os.kill(child, signal.SIGTERM)
        except OSError:
            pass


def _kill_children():
    for child in _children():
        try:
            os.kill(child, signal.SIGKILL)
        except OSError:
            pass


def _watchdog():
    if _state['done'].wait(GRACE):
        return
    _kill_children()
    for cleanup in _cleanups:
        cleanup()
    _say(_state['signum'])
    os._exit(128 + _state['signum'])


MESSAGE = '%s: interrupted by %s: stopped, temporary files removed, no partial output left'


def _say(signum):
    log.error(MESSAGE, _state['what'], signal.Signals(signum).name)


def while_starting(what):
    """Until :func:`handled` takes over, a signal ends the launcher with the
    same line and status: a Ctrl-C while Python imports mrjob would
    otherwise print a KeyboardInterrupt traceback (and SIGTERM end it
    without a word). Nothing has been written yet, so there is nothing to
    remove."""
    def stop(signum, _frame):
        sys.stderr.write(MESSAGE % (what, signal.Signals(signum).name) + '\n')
        sys.stderr.flush()
        os._exit(128 + signum)
    for s in SIGNALS:
        signal.signal(s, stop)


@contextlib.contextmanager
def handled(what):
    """Run the body with SIGINT and SIGTERM raising Interrupted; on one,
    log one line naming ``what`` and exit 128 + its number. A failure that
    follows a signal (a task it killed first) counts as the signal. Once the
    body is done, the signals are ignored: the process only has to exit."""
    _state.update(signum=None, owner=os.getpid(), what=what, active=True, owed=False)
    _state['done'].clear()
    previous = {s: signal.signal(s, _on_signal) for s in SIGNALS}
    unraisable, sys.unraisablehook = sys.unraisablehook, _unraisable
    try:
        yield
    except BaseException as e:
        _state.update(active=False, owed=False)
        signum = e.signum if isinstance(e, Interrupted) else received()
        if signum is None or (isinstance(e, SystemExit) and not e.code):
            _restore(previous)
            raise
        _state['done'].set()
        # mrjob has unwound: a pool worker it did not end (a signal can land
        # while its pool starts) must not outlive us, holding our stderr
        _kill_children()
        _say(signum)
        _restore(previous)
        sys.exit(128 + signum)
    finally:
        sys.unraisablehook = unraisable
    _state['active'] = False
    _ignore()


def _unraisable(hook_args):
    # Interrupted raised where Python cannot raise it (a signal that lands
    # in a __del__ or a garbage collector's callback) is ignored with a
    # message on stderr, and the run goes on: instead, nothing is said and
    # the signal comes again a moment later, from a thread, to land once
    # this is over (or, should it land in such a place again, again). The
    # run has the signal all along: a failure that follows counts as it.
    error = hook_args.exc_value
    if not isinstance(error, Interrupted):
        return sys.__unraisablehook__(hook_args)
    if _state['active'] and _state['owner'] == os.getpid():
        _state['owed'] = True
        again = threading.Timer(0.05, _send_again, (error.signum,))
        again.daemon = True
        again.start()


def _send_again(signum):
    if _state['owed']:
        os.kill(os.getpid(), signum)


def output_committed():
    """The output of the run :func:`handled` guards is whole and in place: a
    signal now has nothing left to stop, and must not make a complete run
    look interrupted. Called with the signals still held (:func:`deferred`),
    this also discards one pending. Elsewhere (a script that runs several
    jobs) it does nothing."""
    if _state['active'] and _state['owner'] == os.getpid():
        _ignore()


def _ignore():
    for s in SIGNALS:
        signal.signal(s, signal.SIG_IGN)


def _restore(handlers):
    for s, handler in handlers.items():
        signal.signal(s, handler)


@contextlib.contextmanager
def deferred():
    """Hold SIGINT and SIGTERM until the body is done: for steps that must
    not stop half way (moving an output directory into place)."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def die_with_parent():
    """Have the kernel send this process SIGTERM when its parent dies
    (Linux; elsewhere nothing): a task outlives no killed worker."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
