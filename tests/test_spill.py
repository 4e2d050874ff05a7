"""Spreading what does not fit over files (jobs.spill)."""
import os

from jobs.spill import BASE_MB, BYTES_PER_KEY, WAYS, Spill, max_keys


def test_every_row_of_a_key_lands_in_one_part_and_the_files_go():
    spill = Spill()
    rows = [(b'k%d' % (i % 100), b'k%d %d' % (i % 100, i)) for i in range(1000)]
    for key, row in rows:
        spill.add(key, row)
    directory = spill._dir.name
    assert len(os.listdir(directory)) == WAYS
    parts = [list(part) for part in spill.parts()]
    assert not os.path.exists(directory)
    assert sorted(row for part in parts for row in part) == sorted(row for _, row in rows)
    keys_of = [{row.split(b' ')[0] for row in part} for part in parts]
    assert sum(map(len, keys_of)) == 100            # no key in two parts
    assert 4 <= len(parts) <= WAYS                    # 100 keys spread, not piled up


def test_the_next_level_spreads_on_other_bits():
    keys = [b'k%d' % i for i in range(2000)]
    first = Spill(0)
    for key in keys:
        first.add(key, key)
    crowded = max((list(part) for part in first.parts()), key=len)
    second = Spill(1)
    for key in crowded:
        second.add(key, key)
    # one part of the first level is spread again over several
    assert len([1 for _ in second.parts()]) > 4


def test_the_budget_in_keys():
    assert max_keys(1024, given=3000) == 3000
    assert max_keys(1024) == (1024 - BASE_MB) * 1024 * 1024 // BYTES_PER_KEY
    assert max_keys(BASE_MB + 1) == 1024 * 1024 // BYTES_PER_KEY     # 4,032
    assert max_keys(BASE_MB) == 1000                                    # never fewer
