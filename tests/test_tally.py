import argparse
import gzip
import importlib
import os
import random
from urllib.parse import unquote_to_bytes

import pytest
from mrjob.protocol import BytesProtocol

from conftest import INPUTS, ROOT, run_cli
from jobs.mr_page_views import MRPageViews
from jobs.tally import (TallyJob, field_value, _bytes_pairs, _write_bytes_pair, _write_file_lists, descending,
                        format_counters, from_descending, keep_smallest)


def test_descending_sorts_counts_in_reverse():
    rng = random.Random(1)
    counts = [0, 1, 9, 10, 99, 100, 2 ** 63 - 1, 10 ** 20 - 1, 10 ** 20, 11 * (2 ** 63 - 1),
              10 ** 21 - 1, 10 ** 21, 10 ** 998, 10 ** 999 - 1]
    counts += [rng.randrange(10 ** 12) for _ in range(200)]
    counts += [rng.randrange(10 ** rng.randrange(20, 60)) for _ in range(200)]
    assert sorted(counts, key=descending) == sorted(counts, reverse=True)
    assert {len(descending(n)) for n in counts if n < 10 ** 20} == {20}
    assert all(b' ' not in descending(n) for n in counts)
    assert all(from_descending(descending(n)) == n for n in counts)


def test_descending_refuses_what_it_cannot_order():
    with pytest.raises(ValueError):
        descending(-1)
    with pytest.raises(ValueError):
        descending(10 ** 999)


def test_keep_smallest():
    items = [5, 3, 9, 1, 7]
    keep_smallest(items, 3)
    assert items == [1, 3, 5]
    keep_smallest(items, 10)
    assert items == [1, 3, 5]


def test_format_counters_merges_steps():
    counters = [{'bills': {'read': 2, 'skipped: x': 1}}, {}, {'bills': {'read': 3}, 'a': {'n': 1}}]
    assert format_counters(counters) == [
        'a:', '  n: 1', 'bills:', '  read: 5', '  skipped: x: 1']


# Streaming tasks move records without mrjob's protocol objects: they must
# read and write exactly what BytesProtocol would.

@pytest.mark.parametrize('key, value', [
    (b'en Main_Page', b'12'), (b'', b'x'), (None, b'v'), (b'k', None), (None, None), (b'a', b'b\tc')])
def test_write_bytes_pair_writes_what_mrjob_writes(key, value):
    assert _write_bytes_pair(key, value) == BytesProtocol().write(key, value)


def test_bytes_pairs_read_what_mrjob_reads():
    lines = [b'a\tb\n', b'no tab\n', b'a\tb\tc\r\n', b'\t\n', b'\tvalue', b'\n']
    assert [tuple(p) for p in _bytes_pairs(lines)] == [
        BytesProtocol().read(line.rstrip(b'\r\n')) for line in lines]


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


def test_tasks_of_given_file_lists_are_not_counted(tmp_path):
    # mrjob may cut a list of the user's into several tasks
    (tmp_path / 'list').write_bytes(b'%s\n' % bytes(tmp_path / 'list'))
    job = MRPageViews(['-r', 'local', '--file-list', str(tmp_path / 'list')])
    assert 'MRTALLY_MAP_TASKS' not in job.options.cmdenv


def test_hadoops_empty_field_after_a_sorted_value_is_not_ours():
    # With SORT_VALUES, Hadoop hands a reducer `key<TAB>value<TAB>` when the
    # value holds no tab (as none of ours does): the value is the same
    assert list(_bytes_pairs([b'k\trow one\t\n', b'k\trow two\n'])) == [
        [b'k', b'row one'], [b'k', b'row two']]



JOB_MODULES = ['mr_page_views', 'mr_top_pages', 'mr_domain_views', 'mr_hourly_views',
               'mr_bill_word_freq', 'mr_pack_bills']


def bad_values(action, tmp_path):
    """Values that the option an argparse action stands for must refuse."""
    if action.nargs == 0:       # a switch: nothing to get wrong
        return []
    if action.dest == 'stop_words':
        not_utf8 = tmp_path / 'latin1.txt'
        not_utf8.write_bytes(b'caf\xe9\n')
        return ['/nonexistent/stop-words.txt', str(tmp_path), str(not_utf8)]
    if action.dest == 'bad_records':
        return [str(ROOT / 'README.md')]        # a file, not a directory
    if action.type in (None, str, field_value):
        return ['', 'two words', 'a\tb']
    return ['x', '1.5', '-1000', '']          # a number option


def own_options(module, tmp_path):
    """(switch, bad value) for every option a job adds to mrjob's."""
    found = importlib.import_module('jobs.' + module)
    [job_class] = [c for c in vars(found).values()
                   if isinstance(c, type) and issubclass(c, TallyJob) and c.__module__ == found.__name__]
    job = job_class(args=[])
    ours = set(job._passthru_arg_dests) | set(job._file_arg_dests) | {'skip_bad_files', 'bad_records', 'overwrite'}
    return [(action.option_strings[0], value)
            for action in job.arg_parser._actions
            if action.dest in ours and action.help != argparse.SUPPRESS
            for value in bad_values(action, tmp_path)]


@pytest.mark.parametrize('module', JOB_MODULES)
def test_every_option_with_a_bad_value_is_a_one_line_error(module, tmp_path):
    cases = own_options(module, tmp_path)
    inputs = INPUTS / ('bills' if 'bill' in module else 'pageviews')
    for switch, value in cases:
        done = run_cli(module, switch + '=' + value, inputs)
        err = done.stderr.decode()
        assert done.returncode == 2, (switch, value, err[-500:])
        assert 'Traceback' not in err, (switch, value, err[-2000:])
        assert 'error: ' in err.strip().splitlines()[-1], (switch, value, err)
