import gzip
import os
from urllib.parse import unquote_to_bytes

import pytest

from jobs.mr_page_views import MRPageViews
from jobs.planning import _write_file_lists, spark_local_threads


def _listed(names):
    lists = []
    for name in names:
        with gzip.open(name) as f:
            lists.append([os.fsdecode(unquote_to_bytes(line.rstrip(b'\n'))) for line in f])
    return lists


def test_file_lists_share_files_evenly_by_bytes(tmp_path):
    sizes = {'a': 50, 'b': 40, 'c': 30, 'd': 30, 'e': 20, 'f': 10}
    paths = []
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b'x' * size)
        paths.append(str(tmp_path / name))
    lists = _listed(_write_file_lists(paths, 2))
    assert len(lists) == 2
    # every file once, by its absolute path, in the order given within a list
    assert sorted(p for lst in lists for p in lst) == sorted(paths)
    assert all(lst == sorted(lst, key=paths.index) for lst in lists)
    # largest first, each to the lighter list: a, d, f (90 bytes) and b, c, e (90)
    assert sorted([os.path.basename(p) for p in lst] for lst in lists) == [
        ['a', 'd', 'f'], ['b', 'c', 'e']]


def test_no_more_file_lists_than_files(tmp_path):
    (tmp_path / 'only').write_bytes(b'x')
    assert _listed(_write_file_lists([str(tmp_path / 'only')], 4)) == [[str(tmp_path / 'only')]]


@pytest.mark.parametrize('runner, cores, slots, maps', [
    ('local', 3, '3', '2'), ('local', 1, '1', '1'), ('inline', 3, '1', '1')])
def test_tasks_learn_their_slots_and_map_tasks(tmp_path, runner, cores, slots, maps):
    for name in ('a', 'b'):
        (tmp_path / name).write_bytes(b'en A 1 0\n')
    job = MRPageViews(['-r', runner, '--num-cores', str(cores), str(tmp_path)])
    assert job.options.cmdenv['MRTALLY_TASK_SLOTS'] == slots
    assert job.options.cmdenv['MRTALLY_MAP_TASKS'] == maps == str(len(job.options.args))


@pytest.mark.parametrize('master, threads', [
    ('local', 1), ('local[2]', 2), ('local[16,3]', 16), ('local[*]', os.cpu_count()),
    ('yarn', None), ('spark://127.0.0.1:7077', None), ('local-cluster[2,1,1024]', None),
    ('localhost', None), (None, None)])
def test_the_threads_of_a_local_spark_master(master, threads):
    assert spark_local_threads(master) == threads


def test_spark_tasks_on_a_local_master_learn_its_threads(tmp_path):
    (tmp_path / 'a').write_bytes(b'en A 1 0\n')
    job = MRPageViews(['-r', 'spark', '--spark-master', 'local[3]', str(tmp_path)])
    assert job.options.cmdenv['MRTALLY_REDUCE_TASKS'] == '3'
    job = MRPageViews(['-r', 'spark', '--spark-master', 'yarn', str(tmp_path)])
    assert 'MRTALLY_REDUCE_TASKS' not in (job.options.cmdenv or {})


def test_tasks_of_given_file_lists_are_not_counted(tmp_path):
    # mrjob may cut a list of the user's into several tasks
    (tmp_path / 'list').write_bytes(b'%s\n' % bytes(tmp_path / 'list'))
    job = MRPageViews(['-r', 'local', '--file-list', str(tmp_path / 'list')])
    assert 'MRTALLY_MAP_TASKS' not in job.options.cmdenv
