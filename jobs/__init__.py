"""mrtally: Hadoop Streaming jobs (mrjob) that count Wikipedia pageviews and the words of Congress."""
import os
import sys

if sys.argv[:1] == ['-m'] and '-m' in getattr(sys, 'orig_argv', ()):
    # a launcher (python -m jobs.mr_x) still importing; a job's run() takes
    # over. Tasks, which run the job's file, keep Python's defaults.
    _module = sys.orig_argv[sys.orig_argv.index('-m') + 1]
    if _module.startswith('jobs.mr_'):
        from jobs import interrupts
        interrupts.while_starting(_module[len('jobs.'):])

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
