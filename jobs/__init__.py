"""mrtally: Hadoop Streaming jobs (mrjob) that count Wikipedia pageviews and the words of Congress."""
import os
import sys

_MAIN = sys.argv[:1] == ['-m'] and getattr(sys, 'orig_argv', None)
if _MAIN and _MAIN[_MAIN.index('-m') + 1].startswith('jobs.mr_'):
    # a job's launcher (python -m jobs.mr_x) still importing; its run()
    # takes over. Tasks, which run the job's file, keep Python's defaults.
    from jobs import interrupts
    interrupts.while_starting(_MAIN[_MAIN.index('-m') + 1][len('jobs.'):])

if sys.version_info < (3, 12) and os.environ.get('SETUPTOOLS_USE_DISTUTILS', 'stdlib') == 'stdlib':
    # mrjob imports distutils, and setuptools' stand-in for it loads
    # pkg_resources: 0.1 s more at every launch. Its import hook is already
    # in place by now, so take it out; the standard library's distutils does
    # all mrjob asks of it. (Tasks get SETUPTOOLS_USE_DISTUTILS from TallyJob.)
    try:
        from _distutils_hack import remove_shim
    except ImportError:
        pass
    else:
        remove_shim()
