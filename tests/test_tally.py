import random

import pytest

from jobs.tally import descending, format_counters, from_descending, keep_smallest


def test_descending_sorts_counts_in_reverse():
    rng = random.Random(1)
    counts = [0, 1, 9, 10, 99, 100, 2 ** 63 - 1] + [rng.randrange(10 ** 12) for _ in range(200)]
    assert sorted(counts, key=descending) == sorted(counts, reverse=True)
    assert {len(descending(n)) for n in counts} == {20}
    assert all(from_descending(descending(n)) == n for n in counts)


def test_descending_refuses_what_it_cannot_order():
    with pytest.raises(ValueError):
        descending(-1)
    with pytest.raises(ValueError):
        descending(10 ** 20)


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
