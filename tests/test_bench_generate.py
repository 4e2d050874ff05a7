"""The benchmark's data: deterministic, and shaped as make bench says."""
import gzip
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT
from jobs.pageviews import Malformed, parse_pageview

sys.path.insert(0, str(ROOT / 'bench'))
generate = pytest.importorskip('generate', reason='bench/generate.py needs numpy (the bench extra)')


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setattr(generate, 'CACHE', str(tmp_path))
    return tmp_path


def test_pageviews_are_deterministic_and_realistic(cache):
    first = [Path(p).read_bytes() for p in generate.pageview_files(20_000, 5_000, 2, seed=7)]
    (cache / 'pageviews-20000-5000-2-7' / 'DONE').unlink()
    again = [Path(p).read_bytes() for p in generate.pageview_files(20_000, 5_000, 2, seed=7)]
    assert first == again and len(first) == 2
    lines = [line for data in first for line in gzip.decompress(data).splitlines()]
    assert len(lines) == 20_000
    bad, titles = 0, Counter()
    for line in lines:
        try:
            domain, title, views, _ = parse_pageview(line)
            titles[title] += 1
        except Malformed:
            bad += 1
    assert bad == 20  # 0.1 %
    assert len(titles) <= 5_000
    # Zipf: the most viewed title is far above the median one
    counts = sorted(titles.values(), reverse=True)
    assert counts[0] > 20 * counts[len(counts) // 2]


def test_bills_are_packed_and_loose_alike(cache):
    loose, packed = generate.bill_files(6, seed=3)
    lines = b''.join(p.read_bytes() for p in sorted((cache / 'bills-6-3' / 'packed').iterdir())).splitlines()
    assert len(lines) == 6 and sorted(p.name for p in (cache / 'bills-6-3' / 'loose').iterdir()) == sorted(
        line.split(b'\t')[0].decode() + '.xml' for line in lines)
    # a finished job's mark, without which the jobs refuse the packed directory
    assert (cache / 'bills-6-3' / 'packed' / '_SUCCESS').exists()


def test_many_keys_are_mostly_distinct_hours_of_their_own(cache):
    paths = generate.many_keys_files(hours=26, lines_per_hour=2000, seed=5)
    assert [Path(p).name for p in paths][23:] == [
        'pageviews-20240101-230000.gz', 'pageviews-20240102-000000.gz', 'pageviews-20240102-010000.gz']
    first = [Path(p).read_bytes() for p in paths]
    (cache / 'many-keys-26-2000-5' / 'DONE').unlink()
    assert [Path(p).read_bytes() for p in generate.many_keys_files(hours=26, lines_per_hour=2000, seed=5)] == first
    pages, bad, lines = set(), 0, 0
    for data in first:
        for line in gzip.decompress(data).splitlines():
            lines += 1
            try:
                domain, title, _, _ = parse_pageview(line)
                pages.add((domain, title))
            except Malformed:
                bad += 1
    assert lines == 52_000 and bad == 52             # one line in 1,000
    assert len(pages) > 0.8 * lines                  # 85 % seen nowhere else
