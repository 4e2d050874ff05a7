"""Spreading what does not fit over files (jobs.spill)."""
import os

from jobs import bulk
from jobs.rows import SEP
from jobs.spill import BASE_MB, BYTES_PER_BYTE, KEY_BYTES, WAYS, Budget, Spill, ways_for


def spilled(spill, rows):
    """``spill`` with ``rows`` (``key views``) spread over it in bulk, in two goes."""
    for half in rows[:len(rows) // 2], rows[len(rows) // 2:]:
        spill.add(bulk.spread_records([SEP.join(half)], spill.shift, spill.ways))
    return spill


def rows_of(blocks):
    return SEP.join(blocks).split(SEP)


def test_every_row_of_a_key_lands_in_one_part_and_the_files_go():
    rows = [b'k%d %d' % (i % 100, i) for i in range(1000)]
    spill = spilled(Spill(), rows)
    directory = spill._dir.name
    assert len(os.listdir(directory)) == WAYS
    parts = [rows_of(blocks) for blocks, _, _ in spill.parts()]
    assert not os.path.exists(directory)
    assert sorted(row for part in parts for row in part) == sorted(rows)
    keys_of = [{row.split(b' ')[0] for row in part} for part in parts]
    assert sum(map(len, keys_of)) == 100            # no key in two parts
    assert 4 <= len(parts) <= WAYS                    # 100 keys spread, not piled up


def test_the_next_level_spreads_on_other_bits():
    rows = [b'k%d 1' % i for i in range(2000)]
    crowded = max((rows_of(blocks) for blocks, _, _ in spilled(Spill(0), rows).parts()), key=len)
    # one part of the first level is spread again over several
    assert len(list(spilled(Spill(1), crowded).parts())) > 4


def test_a_spill_over_fewer_files_sizes_its_parts():
    rows = [b'k%d %d' % (i, i) for i in range(3000)]
    parts = [(rows_of(blocks), size, about)
             for blocks, size, about in spilled(Spill(level=1, ways=3), rows).parts()]
    assert len(parts) == 3
    assert sorted(row for part, _, _ in parts for row in part) == sorted(rows)
    for part, size, about in parts:
        assert size == sum(len(row) + 1 for row in part)
        assert abs(about - len(part)) <= 0.05 * len(part)     # rows of about one size


def test_a_file_too_big_is_spread_over_as_few_files_as_it_needs():
    budget = Budget(BASE_MB + 1)                     # 1,048,576
    # 1,000 keys of 1,000 bytes weigh 195,000 + 3,500,000: 1.5 times that is 5.3 budgets
    assert ways_for(budget, 1000, 1000 * 1000) == 6
    assert ways_for(budget, 10, 100) == 2
    assert ways_for(budget, 10 ** 6, 10 ** 9) == WAYS


def test_a_budget_of_keys_counts_keys_whatever_their_length():
    budget = Budget(1024, max_keys=3000)
    assert budget.most == 3000
    assert budget.weight(10, 10 * 1000) == budget.weight(10, 10 * 3) == 10
    assert budget.part(0.5).most == 1500


def test_a_budget_of_memory_weighs_the_bytes_of_keys():
    budget = Budget(BASE_MB + 1)
    assert budget.most == 1024 * 1024
    # by hand: a key of 23 bytes weighs 195 + 3.5 * 23, of 243 bytes 195 + 3.5 * 243
    assert (KEY_BYTES, BYTES_PER_BYTE) == (195, 3.5)
    assert budget.weight(2, 46) == 551
    assert budget.weight(1, 243) == 1045.5
    assert budget.part(0.5).most == 512 * 1024
    assert budget.part(0.5).weight(1, 243) == 1045.5
    assert Budget(BASE_MB).most == 1000 * (195 + 3.5 * 30)     # never less


def test_blocks_spread_elsewhere_come_back_as_blocks_of_whole_rows(monkeypatch):
    monkeypatch.setattr('jobs.spill.BLOCK_BYTES', 10)
    spill = Spill(level=0, ways=3)
    rows = [b'k%d %d' % (i, i) for i in range(40)] + [b'a long key of 30 bytes or more 1']
    # file i gets the rows whose number is i modulo 3, two adds of each
    for half in rows[:20], rows[20:]:
        spill.add([([b''.join(row + SEP for row in half[w::3]) for w in range(3)], len(half))])
    parts = [(list(blocks), size, about) for blocks, size, about in spill.parts()]
    assert len(parts) == 3
    for w, (blocks, size, about) in enumerate(parts):
        expected = rows[:20][w::3] + rows[20:][w::3]
        assert SEP.join(blocks).split(SEP) == expected
        assert size == sum(len(row) + 1 for row in expected)
        assert all(blocks)
    assert spill.rows == 41
