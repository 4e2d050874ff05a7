import os

import pytest

from jobs.inputs import InputError, expand_inputs


@pytest.fixture
def tree(tmp_path):
    for name in ['a/1.gz', 'a/b/2.txt', 'a/_SUCCESS', 'a/.part.crc', 'a/_logs/x', 'c.txt']:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    (tmp_path / 'empty').mkdir()
    return tmp_path


def test_directories_globs_and_files(tree):
    got = expand_inputs([str(tree / 'a'), str(tree / '*.txt'), 'file://%s' % (tree / 'c.txt')])
    assert got == [str(tree / 'a' / '1.gz'), str(tree / 'a' / 'b' / '2.txt'),
                   str(tree / 'c.txt'), str(tree / 'c.txt')]


def test_remote_and_stdin_left_to_mrjob():
    args = ['s3://bucket/dir/', 'hdfs:///x/*.gz', '-']
    assert expand_inputs(args) == args


@pytest.mark.parametrize('arg, message', [
    ('missing.txt', 'input not found: {tree}/missing.txt'),
    ('*.nothing', 'no input matches {tree}/*.nothing'),
    ('empty', 'no input files in directory {tree}/empty'),
])
def test_errors_name_the_path(tree, arg, message):
    with pytest.raises(InputError) as e:
        expand_inputs([str(tree / arg)])
    assert str(e.value) == message.format(tree=tree)


@pytest.mark.skipif(os.geteuid() == 0, reason='root reads every file')
def test_unreadable_file(tree):
    (tree / 'c.txt').chmod(0)
    with pytest.raises(InputError, match='cannot read input'):
        expand_inputs([str(tree / 'c.txt')])
