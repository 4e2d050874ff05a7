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
