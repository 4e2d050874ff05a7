"""Make the generated samples in inputs/pageviews/ (run from the repository root).

Deterministic (fixed seed, gzip mtime 0): rerunning gives the same bytes.
Titles are real ones taken from the pagecounts sample beside them, so the
data has real dirt (raw UTF-8, percent-escapes, mojibake); views follow a
Zipf law, as real traffic does; a few malformed lines are mixed in.
"""
import bz2
import gzip
import random

SEED = 20240101
DOMAINS = ['en', 'en.m', 'de', 'de.m', 'ja', 'fr', 'es.m', 'ru', 'commons.m', 'zh']
WIKIS = ['en.wikipedia', 'de.wikipedia', 'ja.wikipedia', 'commons.wikimedia']
ACCESS = ['desktop', 'mobile-web', 'mobile-app']
MALFORMED = [b'en Main_Page', b'en  1 0', b'de Berlin many 0', b'fr Paris -3 0',
             b'en Main_Page 1 0 extra', b'']


def sample_titles():
    with open('inputs/pageviews/pagecounts-sample-1k.txt', 'rb') as f:
        titles = sorted({line.split(b' ')[1] for line in f})
    return [b'Main_Page', b'Special:Search'] + titles


def zipf_views(rng, rank):
    return max(1, int(5000 / rank ** 1.1 * rng.uniform(0.5, 1.5)))


def hourly_file(rng, titles, hour):
    lines = []
    pages = rng.sample([(d, t) for d in DOMAINS for t in titles[:120]], 600)
    for rank, (domain, title) in enumerate(pages, 1):
        lines.append(b'%s %s %d 0' % (domain.encode(), title, zipf_views(rng, rank)))
    for bad in MALFORMED[:3 + hour]:
        lines.insert(rng.randrange(len(lines)), bad)
    path = 'inputs/pageviews/pageviews-20240101-%02d0000.gz' % hour
    with open(path, 'wb') as raw, gzip.GzipFile(fileobj=raw, mode='wb', mtime=0) as f:
        f.write(b'\n'.join(lines) + b'\n')


def daily_file(rng, titles):
    lines = []
    pages = rng.sample([(w, t) for w in WIKIS for t in titles[:80]], 250)
    for rank, (wiki, title) in enumerate(pages, 1):
        hours = sorted(rng.sample(range(24), rng.randint(1, 6)))
        counts = [zipf_views(rng, rank * 3) for _ in hours]
        hourly = b''.join(b'%c%d' % (ord('A') + h, n) for h, n in zip(hours, counts))
        page_id = b'null' if rank % 17 == 0 else b'%d' % rng.randrange(1, 10 ** 7)
        lines.append(b'%s %s %s %s %d %s' % (wiki.encode(), title, page_id,
                                            rng.choice(ACCESS).encode(), sum(counts), hourly))
    lines.insert(100, b'en.wikipedia Broken_Hours 12 desktop 5 A2B2')  # adds up to 4, not 5
    with bz2.open('inputs/pageviews/pageviews-20240101-user.bz2', 'wb') as f:
        f.write(b'\n'.join(lines) + b'\n')


def main():
    rng = random.Random(SEED)
    titles = sample_titles()
    for hour in (0, 1):
        hourly_file(rng, titles, hour)
    daily_file(rng, titles)


if __name__ == '__main__':
    main()
