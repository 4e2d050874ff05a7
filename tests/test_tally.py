import argparse
import importlib
import random

import pytest

from conftest import INPUTS, ROOT, run_cli
from jobs.tally import TallyJob, descending, field_value, format_counters, from_descending, keep_smallest


def test_descending_sorts_counts_in_reverse():
    rng = random.Random(1)
    counts = [0, 1, 9, 10, 99, 100, 2 ** 63 - 1, 10 ** 20 - 1, 10 ** 20, 11 * (2 ** 63 - 1),
              10 ** 21 - 1, 10 ** 21, 10 ** 998, 10 ** 999 - 1]
    counts += [rng.randrange(10 ** 12) for _ in range(200)]
    counts += [rng.randrange(10 ** rng.randrange(20, 60)) for _ in range(200)]
    assert sorted(counts, key=descending) == sorted(counts, reverse=True)
    assert all(len(descending(n)) == 1 + len(str(n)) for n in counts if n < 10 ** 20)
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
