"""Counting in bulk (jobs.bulk) against a line at a time, worked out here."""
from collections import Counter

import numpy as np
import pyarrow as pa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jobs import bulk
from jobs.pageview_job import by_partition, sum_rows
from jobs.pageviews import Malformed, parse_pageview
from jobs.rows import SEP, spans

BOM = b'\xef\xbb\xbf'


def common(line):
    """The rule of jobs.bulk, written plainly: 4 fields, none empty, views of
    1 to 12 digits, a size of digits."""
    fields = line.split(b' ')
    return (len(fields) == 4 and all(fields)
            and fields[2].isdigit() and len(fields[2]) <= 12 and fields[3].isdigit())


def by_hand(data, by_domain=False):
    """What count_chunk should make of ``data``, a line at a time."""
    lines = data.split(b'\n')
    if data.endswith(b'\n'):
        lines.pop()
    sums, others = Counter(), []
    for at, line in enumerate(lines):
        if common(line):
            domain, title, views, _ = line.split(b' ')
            sums[domain if by_domain else domain + b' ' + title] += int(views)
        else:
            others.append(at)
    return dict(sums), others


def counted(data, by_domain=False):
    keys, views, others, lines = bulk.count_chunk(data, by_domain)
    assert lines == data.count(b'\n') + (not data.endswith(b'\n'))
    # each line handed on is the line at its position
    assert [line for _, line in others] == [data.split(b'\n')[at] for at, _ in others]
    return dict(zip(keys.to_pylist(), views.to_pylist())), [at for at, _ in others]


def test_a_chunk_by_hand():
    data = (b'en A 1 0\n'
            b'en A 1\n'          # 1: three fields
            b'de B 20 7\n'
            b'\n'                # 3: empty
            b'en A 1\n'          # 4: the same line as 1
            b' A 1 0\n'          # 5: no domain
            b'en A 1000000000000 0\n'  # 6: 13 digits, for the parser to judge
            b'en \xff 3 0\n'     # not UTF-8: kept as it is
            b'en B x 0\n'        # 8: views not digits
            b'en \xff 1\n'        # 9: three fields, not UTF-8
            b'en A 2 9')         # the last line, without its newline
    assert counted(data) == ({b'en A': 3, b'de B': 20, b'en \xff': 3}, [1, 3, 4, 5, 6, 8, 9])
    assert counted(data, by_domain=True) == ({b'en': 6, b'de': 20}, [1, 3, 4, 5, 6, 8, 9])
    assert [line for _, line in bulk.count_chunk(data)[2]] == [
        b'en A 1', b'', b'en A 1', b' A 1 0', b'en A 1000000000000 0', b'en B x 0', b'en \xff 1']


def test_what_it_does_not_take():
    assert bulk.takes(b'en A 1 0\nde B 2 0\n')
    assert not bulk.takes(b'en A 1 0\r\n')   # the parser judges control bytes
    assert not bulk.takes(b'en A\t1 0\n')


def test_a_byte_order_mark_is_part_of_the_domain_as_the_parser_reads_it():
    data = b'en A\n' + BOM + b'en A 1 0\n' + BOM + b'en A 1 0\nen ' + BOM + b' 1 0\n'
    assert parse_pageview(BOM + b'en A 1 0')[:2] == (BOM + b'en', b'A')
    assert counted(data) == ({BOM + b'en A': 2, b'en ' + BOM: 1}, [0])


fields = st.one_of(st.sampled_from([b'', b'en', b'de.m', b'A', b'1', b'007', b'x1', b'\xff\xfe',
                                    b'999999999999', b'1000000000000', BOM]),
                   st.binary(max_size=4).map(lambda b: b.replace(b'\n', b'').replace(b'\r', b'')))
lines = st.lists(fields, min_size=0, max_size=6).map(b' '.join).map(
    lambda line: bytes(c for c in line if c >= 0x20 or c == 0x20))


@settings(max_examples=500, deadline=None)
@given(st.lists(lines, min_size=1, max_size=30), st.booleans(), st.booleans())
@example([b'', b''], True, False)
@example([b'a b 1 1'], False, False)
@example([b'', BOM + b' en 1 1'], False, False)
@example([b'en  1 0', b' A 1 0', b'en A 1 0', b'  1 0'], True, True)   # empty title, domain
def test_count_chunk_agrees_with_a_line_at_a_time(some, newline_at_end, by_domain):
    data = b'\n'.join(some) + (b'\n' if newline_at_end else b'')
    if not data or not bulk.takes(data):
        return
    assert counted(data, by_domain) == by_hand(data, by_domain)
    # and the parser takes every line taken in bulk, with the same views
    for line in data.split(b'\n'):
        if common(line):
            assert parse_pageview(line)[2] == int(line.split(b' ')[2])


def test_every_line_bulk_leaves_the_parser_judges():
    for line in [b'en A 1', b'', b' A 1 0', b'en A x 0', b'en A 1 0 0', b'en A 1 x']:
        try:
            parse_pageview(line)
        except Malformed:
            continue
        raise AssertionError(line)
    assert parse_pageview(b'en A 1000000000000 0')[2] == 10 ** 12


def test_sums_too_big_for_int64_come_back_as_python_ints():
    sums = bulk.Sums()
    keys = pa.array([b'en A', b'en B'], pa.binary())
    assert sums.add(keys, pa.array([bulk.BIG - 1, 5], pa.int64())) == []
    sums.add(keys, pa.array([3, 5], pa.int64()))
    assert sums.rows == 4
    keys, views, large = sums.take()
    assert large == [(b'en A', bulk.BIG + 2)]
    assert dict(zip(keys.to_pylist(), views.to_pylist())) == {b'en B': 10}
    assert sums.rows == 0 and len(sums.take()[0]) == 0


def partition_by_hand(key, partitions):
    """jobs.bulk.partitions_of, a key at a time in Python ints."""
    mask = (1 << 64) - 1
    head = int.from_bytes(key[:8].ljust(8, b'\0'), 'little')
    tail = int.from_bytes(key[-8:].ljust(8, b'\0'), 'little')
    c1, c2, c3 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
    h = (head * c1 & mask) ^ (tail * c2 & mask) ^ (len(key) * c3 & mask)
    h ^= h >> 30
    h = h * c2 & mask
    h ^= h >> 27
    h = h * c3 & mask
    h ^= h >> 31
    return h % partitions


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=20), max_size=40), st.integers(1, 1024))
def test_partitions_of_is_the_hash_it_says(keys, partitions):
    assert bulk.partitions_of(*bulk.pack(keys), partitions).tolist() == [
        partition_by_hand(key, partitions) for key in keys]


def key_hash_by_hand(key):
    """jobs.bulk.key_hashes, a key at a time in Python ints."""
    mask = (1 << 64) - 1
    p1, p2 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F
    c2, c3 = 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
    h = len(key) * c3 & mask
    for k in range(0, len(key), 8):
        acc = (h + int.from_bytes(key[k:k + 8], 'little') * p2) & mask
        h = ((acc << 31 | acc >> 33) & mask) * p1 & mask
    h ^= h >> 30
    h = h * c2 & mask
    h ^= h >> 27
    h = h * c3 & mask
    return h ^ h >> 31


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=40), st.binary(max_size=9))
@example([b'x' * 1000, b'', b'ab', b'12345678', b'123456789'], b'')
@example([b'y' * 530_000, b'z'], b' ')     # more than 65,535 rounds of 8 bytes
def test_key_hashes_are_the_hash_they_say(keys, gap):
    data, offsets = bulk.pack(keys)
    assert bulk.key_hashes(data, offsets).tolist() == [key_hash_by_hand(key) for key in keys]
    # keys read in place, between other bytes (as Arrow's split keys are)
    spaced = gap.join(keys) + gap
    starts = [sum(len(k) + len(gap) for k in keys[:i]) for i in range(len(keys))]
    data = np.frombuffer(spaced, np.uint8)
    for i, (start, key) in enumerate(zip(starts, keys)):
        one = bulk.key_hashes(data, np.array([start, start + len(key)], np.int64))
        assert one.tolist() == [key_hash_by_hand(key)]


def test_keys_alike_but_in_the_middle_spread_over_every_way():
    # the same length, first 8 and last 8 bytes: one partition (partitions_of)
    keys = [b'en List_%04d_of_things' % i for i in range(1600)]
    assert len(set(bulk.partitions_of(*bulk.pack(keys), 1024).tolist())) == 1
    ways = bulk.key_hashes(*bulk.pack(keys)) % 16
    counts = Counter(ways.tolist())
    # 100 a way on average
    assert len(counts) == 16 and min(counts.values()) >= 60


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.binary(min_size=1, max_size=12).map(
    lambda b: bytes(c for c in b if c > 0x20) or b'x'), st.integers(0, 10 ** 15), max_size=50),
       st.integers(0, 3), st.integers(1, 16))
def test_spread_puts_each_row_in_the_way_of_its_key(views, level, ways):
    rows = [b'%s %d' % pair for pair in views.items()]
    expected = [[] for _ in range(ways)]
    for key, row in zip(views, rows):
        expected[(key_hash_by_hand(key) >> 4 * level) % ways].append(row + SEP)
    spread = list(bulk.spread_records([SEP.join(rows[:7]), SEP.join(rows[7:])], 4 * level, ways))
    assert [b''.join(bytes(block[w]) for block, _ in spread) for w in range(ways)] == [
        b''.join(rows) for rows in expected]
    assert sum(n for _, n in spread) == len(rows)
    keys = pa.array(list(views), pa.binary())
    counts = pa.array(list(views.values()), pa.int64())
    by_sums = list(bulk.spread_sums(keys, counts, 4 * level, ways))
    assert [b''.join(bytes(block[w]) for block, _ in by_sums) for w in range(ways)] == [
        b''.join(rows) for rows in expected]


def test_records_in_bulk_are_the_records_of_a_dict():
    views = {b'en P%d' % i: i * 7 for i in range(1, 500)}
    views[b'ru \xcc\xee'] = 2 ** 62 - 1
    keys, counts = pa.array(list(views), pa.binary()), pa.array(list(views.values()), pa.int64())
    for record_rows, record_bytes in (40, 1 << 20), (1000, 60):
        records = list(bulk.records(keys, counts, 5, record_rows, record_bytes))
        expected_parts = {key: p for p, (part_keys, _) in enumerate(by_partition(views, 5))
                          for key in part_keys}
        for partition, record in records:
            rows = record.split(SEP)
            keys_held = [row.rsplit(b' ', 1)[0] for row in rows]
            assert 1 <= len(rows) <= record_rows
            assert sum(map(len, keys_held)) <= record_bytes
            assert {expected_parts[key] for key in keys_held} == {int(partition)}
        assert sum_rows(record for _, record in records) == views
        assert len({p for p, _ in records}) == 5
    # keys of 5 to 8 bytes, 60 bytes a record: 7 to 12 keys in each, so
    # there are more records than partitions
    assert len(records) >= 499 * 5 // 60


def test_rows_of_records_by_hand():
    records = [b'en A 2' + SEP + b'de X 1', b'en \xff 1000000000000' + SEP + b'ab 7']
    keys, views, large = bulk.rows_of(records)
    assert keys.to_pylist() == [b'en A', b'de X', b'ab']
    assert views.to_pylist() == [2, 1, 7]
    assert large == [(b'en \xff', 10 ** 12)]     # 13 digits: left to Python


def test_a_partition_with_sums_past_int64_is_summed_exactly():
    from jobs.pageview_job import as_dict, summed_parts
    big = 2 ** 63 - 1
    # A's rows fit int64 one by one, not summed; B's row is past it; C is small
    records = [SEP.join([b'en A %d' % (2 ** 62), b'en C 1', b'en A %d' % (2 ** 62)]),
               b'en A 5' + SEP + b'en B %d' % (11 * big), b'en C 2']
    parts = list(summed_parts(records))
    assert len(parts) == 1
    keys, views, large = parts[0]
    assert set(large) & set(keys.to_pylist()) == set()          # a key in one of the two
    assert as_dict(*parts[0]) == {b'en A': 2 ** 63 + 5, b'en B': 11 * big, b'en C': 3}


ranked_keys = st.dictionaries(
    st.binary(min_size=1, max_size=12).map(lambda b: bytes(c for c in b if c > 0x20) or b'x'),
    st.one_of(st.integers(0, 5), st.integers(0, bulk.BIG - 1)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(ranked_keys, st.integers(0, 4), st.integers(1, 7), st.integers(1, 120))
def test_ranked_chunks_are_the_runs_of_python_rows(views, least, chunk_rows, chunk_bytes):
    from jobs.rows import chunks_of_run
    from jobs.tally import descending
    rows = [b'%s %s %d' % (descending(n), key, n) for key, n in views.items() if n >= least]
    keys, counts = pa.array(list(views), pa.binary()), pa.array(list(views.values()), pa.int64())
    assert (list(bulk.ranked_chunks(keys, counts, least, chunk_rows, chunk_bytes))
            == chunks_of_run(rows, chunk_rows, chunk_bytes))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.binary(min_size=1, max_size=6).map(lambda b: b.replace(SEP, b'_')),
                       st.integers(0, 50), max_size=80),
       st.integers(1, 10), st.integers(1, 4), st.integers(1, 5), st.integers(1, 12))
def test_heavy_and_light_records_in_bulk_are_those_of_a_dict(views, n, tasks, record_rows,
                                                              record_bytes):
    from jobs.topn import light_record, take_heavy
    keys, counts = pa.array(list(views), pa.binary()), pa.array(list(views.values()), pa.int64())
    (heavy_keys, heavy_counts), (light_keys, light_counts) = bulk.heavy_and_light(
        keys, counts, n, tasks)
    light = dict(views)
    heavy = take_heavy(light, n, tasks)
    assert dict(zip(heavy_keys.to_pylist(), heavy_counts.to_pylist())) == heavy
    assert light_keys.to_pylist() == list(light)          # the rest, in order
    # light records byte for byte as topn makes them from a dict, partition by partition
    expected = [(b'%d' % p, light_record(keys[a:b], their[a:b]))
                for p, (keys, their) in enumerate(by_partition(light, 3))
                for a, b in spans(keys, record_rows, record_bytes)]
    assert list(bulk.light_records(light_keys, light_counts, 3, record_rows,
                                   record_bytes)) == expected


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.tuples(st.sampled_from([b'en', b'de', b'en.m', b'\xff']),
                                 st.binary(min_size=1, max_size=4).map(
                                     lambda b: b.replace(SEP, b'_').replace(b' ', b'_'))),
                       st.one_of(st.integers(0, 9), st.just(bulk.BIG - 1)), max_size=60),
       st.integers(1, 4), st.integers(1, 5), st.integers(1, 9))
def test_domain_records_in_bulk_hold_what_the_dict_ones_hold(pages, partitions, record_rows,
                                                             record_bytes):
    from jobs.mr_domain_views import MRDomainViews

    def held(records, most, most_bytes):
        """Per partition and domain: the views and the titles (a sorted list)."""
        out = {}
        for partition, record in records:
            domain, n, titles = record.split(b' ', 2)
            assert 1 <= len(titles.split(SEP)) <= most
            assert len(titles.split(SEP)) == 1 or len(titles) - titles.count(SEP) <= most_bytes
            views, seen = out.setdefault((partition, domain), [0, []])
            out[partition, domain][0] = views + int(n)
            seen.extend(titles.split(SEP))
        return {k: (n, sorted(titles)) for k, (n, titles) in out.items()}
    views = {domain + b' ' + title: n for (domain, title), n in pages.items()}
    keys, counts = pa.array(list(views), pa.binary()), pa.array(list(views.values()), pa.int64())
    with_dict = MRDomainViews(['--step-num=0', '--mapper']).records_of_views(views, partitions)
    in_bulk = bulk.domain_records(keys, counts, partitions, record_rows, record_bytes)
    assert held(in_bulk, record_rows, record_bytes) == held(with_dict, len(views), 1 << 22)


def test_count_by_domain_by_hand():
    pages = pa.array([b'en A', b'de X', b'en B', b'en.m A', b'de Y_z'], pa.binary())
    assert bulk.count_by_domain(pages) == {b'en': 2, b'de': 2, b'en.m': 1}
    assert bulk.count_by_domain(pa.array([], pa.binary())) == {}
