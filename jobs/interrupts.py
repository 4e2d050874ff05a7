"""Ctrl-C and SIGTERM: one line, exit 130 or 143, and nothing left behind.

A launcher that gets SIGINT or SIGTERM raises :class:`Interrupted` where it
is. It unwinds through mrjob as any failure does: the runner removes its
temporary directory (``cleanup_on_failure``, see :mod:`jobs.outputs`), a
staged output directory is removed, and :func:`handled` prints one line and
exits with 128 + the signal's number, as a shell does.

The local runner's pool workers are forks of the launcher and inherit its
handler: they ignore SIGINT (the launcher terminates them) and die of
SIGTERM at once, as ``Pool.terminate`` expects. Task processes die with
their worker (:func:`die_with_parent`), so none is left running on a
removed directory. A second signal during the cleanup is ignored.
"""
import contextlib
import ctypes
import logging
import os
import signal
import sys

__all__ = ['Interrupted', 'handled', 'die_with_parent', 'deferred', 'received']

SIGNALS = (signal.SIGINT, signal.SIGTERM)
log = logging.getLogger(__name__)


class Interrupted(BaseException):
    """The run got ``signum``; a BaseException, so that no ``except
    Exception`` along the way takes it for an error to handle."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


_state = dict(signum=None, owner=None)


def received():
    """The signal this run got, or None."""
    return _state['signum']


def _on_signal(signum, _frame):
    if os.getpid() != _state['owner']:
        # a forked pool worker: the launcher ends it with SIGTERM
        if signum == signal.SIGTERM:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        return
    if _state['signum'] is None:
        _state['signum'] = signum
        raise Interrupted(signum)


@contextlib.contextmanager
def handled(what):
    """Run the body with SIGINT and SIGTERM raising Interrupted; on one,
    log one line naming ``what`` and exit 128 + its number. A failure that
    follows a signal (a task it killed first) counts as the signal. Once the
    body is done, the signals are ignored: the process only has to exit."""
    _state.update(signum=None, owner=os.getpid())
    previous = {s: signal.signal(s, _on_signal) for s in SIGNALS}
    try:
        yield
    except BaseException as e:
        signum = e.signum if isinstance(e, Interrupted) else received()
        if signum is None or (isinstance(e, SystemExit) and not e.code):
            _restore(previous)
            raise
        log.error('%s: interrupted by %s: stopped, temporary files removed, no partial output'
                  ' left', what, signal.Signals(signum).name)
        _restore(previous)
        sys.exit(128 + signum)
    # done, output and all: a signal now has nothing left to stop
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
