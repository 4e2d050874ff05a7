"""Make the benchmark data, deterministically from a seed, and cache it.

Pageviews: hourly dumps in today's format (``domain title views 0``), titles
drawn from a Zipf law over a fixed set of distinct titles, domain codes in a
real-looking mix, about 0.1 % malformed lines, gzipped, the hour cut into
several files. Bills: bill-DTD and USLM documents whose words are drawn, by
their real frequency, from the vocabulary of the real bills in
tests/fixtures/bills, as loose XML files and as packed bills.
"""
import gzip
import json
import os
import re
import shutil
from collections import Counter
from urllib.parse import quote

import numpy as np

SUCCESS = '_SUCCESS'     # Hadoop's mark of a finished output, which the jobs require

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = os.path.join(HERE, 'data')

DOMAINS = {'en': 28, 'en.m': 22, 'de': 5, 'de.m': 5, 'ja': 4, 'ja.m': 4, 'es.m': 4, 'fr': 3,
           'fr.m': 3, 'ru': 3, 'ru.m': 3, 'commons.m': 4, 'zh': 2, 'it': 2, 'pt.m': 2, 'pl': 2}
SMALL_DOMAINS = ['%s%s' % (code, suffix) for code in
                 ['nl', 'sv', 'uk', 'vi', 'ar', 'fa', 'he', 'id', 'ko', 'cs', 'fi', 'hu', 'no',
                  'ro', 'tr', 'th', 'el', 'da', 'bg', 'ca'] for suffix in ('', '.m', '.b', '.d')]
NON_LATIN = ['Москва', '東京', 'Ελλάδα', 'محمد', 'हिन्दी', '서울', 'Київ', 'ภาษาไทย']
# the hour of the pageview files (pageviews-20240101-000000-*), as MRHourlyViews writes it
HOUR = '2024-01-01T00'
MALFORMED = [b'en Main_Page', b'en  3 0', b'de Berlin many 0', b'en Main_Page 1 0 extra']


def vocabulary():
    """Words of the real fixture bills and how often they occur."""
    counts = Counter()
    for name in sorted(os.listdir(os.path.join(ROOT, 'tests', 'fixtures', 'bills'))):
        with open(os.path.join(ROOT, 'tests', 'fixtures', 'bills', name), encoding='utf-8') as f:
            text = re.sub(r'<[^>]*>', ' ', f.read())
        counts.update(w.lower() for w in re.findall(r'[^\W\d_]+', text))
    words = sorted(counts)
    return words, np.array([counts[w] for w in words], dtype=float)


def zipf_probabilities(n, s=1.1):
    p = 1.0 / np.arange(1, n + 1) ** s
    return p / p.sum()


def pageview_files(lines=8_000_000, titles=2_000_000, files=2, seed=1):
    """Paths of the cached hourly dump (made if missing): ``files`` gzipped
    parts of one hour (:data:`HOUR`), ``lines`` lines in all, named as the
    consumer of ingest/ names its files, so MRHourlyViews finds the hour."""
    directory = os.path.join(CACHE, 'pageviews-%d-%d-%d-%d' % (lines, titles, files, seed))
    paths = [os.path.join(directory, 'pageviews-20240101-000000-part%d.gz' % i) for i in range(files)]
    if os.path.exists(os.path.join(directory, 'DONE')) and all(map(os.path.exists, paths)):
        return paths
    shutil.rmtree(directory, ignore_errors=True)     # made under older names
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(seed)
    words, _ = vocabulary()
    v = len(words)
    names = []
    for i in range(titles):
        title = '%s_%s' % (words[i % v].capitalize(), words[(i // v) % v])
        if i >= v * v:
            title += '_%d' % i
        if i % 10 == 3:
            title = NON_LATIN[i % len(NON_LATIN)] + '_' + title
        names.append(quote(title, safe='_():,!').encode())
    domains = list(DOMAINS) + SMALL_DOMAINS
    weights = np.array(list(DOMAINS.values()) + [10 / len(SMALL_DOMAINS)] * len(SMALL_DOMAINS))
    domain_of = rng.choice(len(domains), size=lines, p=weights / weights.sum())
    title_of = rng.choice(titles, size=lines, p=zipf_probabilities(titles))
    views = np.minimum(rng.zipf(2.0, size=lines), 100_000)
    bad = set(rng.choice(lines, size=max(1, lines // 1000), replace=False).tolist())
    encoded = [d.encode() for d in domains]
    per_file = -(-lines // files)
    for n, path in enumerate(paths):
        out = []
        for i in range(n * per_file, min(lines, (n + 1) * per_file)):
            if i in bad:
                out.append(MALFORMED[i % len(MALFORMED)])
            else:
                out.append(b'%s %s %d 0' % (encoded[domain_of[i]], names[title_of[i]], views[i]))
        with open(path, 'wb') as raw, gzip.GzipFile(fileobj=raw, mode='wb', mtime=0) as f:
            f.write(b'\n'.join(out) + b'\n')
    open(os.path.join(directory, 'DONE'), 'w').close()
    return paths


def many_keys_files(hours=48, lines_per_hour=1_250_000, seed=1):
    """Paths of the cached many-keys dumps (made if missing): ``hours``
    hourly files in which 85 % of lines are pages seen nowhere else and the
    rest are drawn from a million popular ones (Zipf): about 51 M distinct
    pages over 60 M lines at the defaults. Compressed with ISA-L at level 1,
    which is quick to make and as quick to read as gzip's default."""
    from isal import igzip
    directory = os.path.join(CACHE, 'many-keys-%d-%d-%d' % (hours, lines_per_hour, seed))
    paths = [os.path.join(directory, 'pageviews-2024010%d-%02d0000.gz' % (1 + h // 24, h % 24))
             for h in range(hours)]
    if os.path.exists(os.path.join(directory, 'DONE')):
        return paths
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(seed)
    words = [w.capitalize().encode() for w in vocabulary()[0]]
    domains = [d.encode() for d in list(DOMAINS) + SMALL_DOMAINS]
    weights = np.array(list(DOMAINS.values()) + [10 / len(SMALL_DOMAINS)] * len(SMALL_DOMAINS))
    popular, fresh = 1_000_000, 1_000_000
    for path in paths:
        n = lines_per_hour
        is_fresh = rng.random(n) < 0.85
        ids = rng.choice(popular, size=n, p=zipf_probabilities(popular))
        ids[is_fresh] = fresh + np.arange(int(is_fresh.sum()))
        fresh += int(is_fresh.sum())
        domain_of = rng.choice(len(domains), size=n, p=weights / weights.sum()).tolist()
        views = np.minimum(rng.zipf(2.0, size=n), 100_000).tolist()
        v = len(words)
        out = [b'%s %s_%d %d 0' % (domains[d], words[i % v], i, c)
               for d, i, c in zip(domain_of, ids.tolist(), views)]
        for i in range(0, n, 1000):
            out[i] = MALFORMED[(i // 1000) % len(MALFORMED)]
        with open(path, 'wb') as raw, igzip.GzipFile(fileobj=raw, mode='wb', compresslevel=1,
                                                     mtime=0) as f:
            f.write(b'\n'.join(out) + b'\n')
    open(os.path.join(directory, 'DONE'), 'w').close()
    return paths


def _paragraph(rng, words, p, n):
    return ' '.join(words[i] for i in rng.choice(len(words), size=n, p=p))


def bill_files(bills=2000, seed=1):
    """The cached bill corpus (made if missing): a directory of loose XML
    files and one of packed bills."""
    directory = os.path.join(CACHE, 'bills-%d-%d' % (bills, seed))
    loose, packed = os.path.join(directory, 'loose'), os.path.join(directory, 'packed')
    if os.path.exists(os.path.join(directory, 'DONE')):
        open(os.path.join(packed, SUCCESS), 'a').close()   # made before packed input needed it
        return loose, packed
    os.makedirs(loose, exist_ok=True)
    os.makedirs(packed, exist_ok=True)
    rng = np.random.default_rng(seed)
    words, counts = vocabulary()
    p = counts / counts.sum()
    lines = []
    for i in range(bills):
        sections = int(rng.integers(6, 28))
        paragraphs = [_paragraph(rng, words, p, int(rng.integers(80, 400))) for _ in range(sections)]
        title = _paragraph(rng, words, p, 20)
        if i % 3 == 2:
            bill_id = 'BILLS-118hr%dih' % i
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<bill xmlns="http://schemas.gpo.gov/xml/uslm">'
                   '<meta><dc:title xmlns:dc="http://purl.org/dc/elements/1.1/">%s</dc:title></meta>'
                   '<main><longTitle><officialTitle>%s</officialTitle></longTitle>%s</main></bill>\n' % (
                       title, title, ''.join('<section><num>%d.</num><content>%s</content></section>'
                                             % (n, t) for n, t in enumerate(paragraphs, 1))))
        else:
            bill_id = 'hr%d-118-ih' % i
            xml = ('<?xml version="1.0"?>\n<!DOCTYPE bill PUBLIC "-//US Congress//DTDs/bill v2.8 '
                   '20020720//EN" "bill.dtd">\n<bill><metadata><title>%s</title></metadata><form>'
                   '<congress>118th CONGRESS</congress><official-title>%s</official-title></form>'
                   '<legis-body>%s</legis-body></bill>\n' % (
                       title, title, ''.join('<section><enum>%d.</enum><text>%s</text></section>'
                                             % (n, t) for n, t in enumerate(paragraphs, 1))))
        with open(os.path.join(loose, bill_id + '.xml'), 'w', encoding='utf-8') as f:
            f.write(xml)
        lines.append('%s\t%s' % (bill_id, json.dumps(xml, ensure_ascii=False)))
    half = len(lines) // 2
    for n, part in enumerate((lines[:half], lines[half:])):
        with open(os.path.join(packed, 'part-%05d' % n), 'w', encoding='utf-8') as f:
            f.write('\n'.join(part) + '\n')
    # as a finished job leaves it: the jobs refuse part files without it
    open(os.path.join(packed, SUCCESS), 'w').close()
    open(os.path.join(directory, 'DONE'), 'w').close()
    return loose, packed
