"""Expand the input arguments of a job into the files it reads.

mrjob's ``mapper_raw`` rejects local directories, and its runners disagree on
globs and hidden files; expanding local inputs up front gives every job and
every runner the same list. Remote URIs (``s3://``, ``hdfs://``) are left to
mrjob's filesystems, which already expand directories and globs.
"""
import glob
import os

__all__ = ['InputError', 'expand_inputs']

_GLOB_CHARS = frozenset('*?[')


class InputError(ValueError):
    """An input argument that names nothing readable."""


def _is_hidden(name):
    # Hadoop's FileInputFormat skips these too: _SUCCESS, _logs, .crc files
    return name.startswith(('.', '_'))


def _files_below(top):
    for root, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not _is_hidden(d))
        for name in sorted(names):
            if not _is_hidden(name):
                yield os.path.join(root, name)


def _expand_one(arg):
    path = arg[len('file://'):] if arg.startswith('file://') else arg
    if _GLOB_CHARS & set(path):
        matches = sorted(glob.glob(path))
        if not matches:
            raise InputError('no input matches %s' % arg)
    elif not os.path.exists(path):
        raise InputError('input not found: %s' % arg)
    else:
        matches = [path]

    for match in matches:
        if os.path.isdir(match):
            files = list(_files_below(match))
            if not files:
                raise InputError('no input files in directory %s' % match)
        else:
            files = [match]
        for f in files:
            if not os.access(f, os.R_OK):
                raise InputError('cannot read input %s' % f)
            yield f


def expand_inputs(args):
    """Return the files named by ``args``: local files as given, every
    non-hidden file below a local directory, the matches of a local glob (sorted),
    and ``-`` and remote URIs unchanged. Raises InputError naming the first
    argument that gives no readable file."""
    files = []
    for arg in args:
        if arg == '-' or ('://' in arg and not arg.startswith('file://')):
            files.append(arg)
        else:
            files.extend(_expand_one(arg))
    return files
