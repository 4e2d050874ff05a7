"""Baseline: one Python process and a dict, the same rules and output as MRPageViews.

    python bench/contenders/plain_page_views.py FILE.gz... > out.tsv
"""
import gzip
import sys
from collections import defaultdict

sys.path.insert(0, __file__.rsplit('/bench/', 1)[0])
from jobs.pageviews import Malformed, parse_pageview  # noqa: E402


def main(paths):
    views = defaultdict(int)
    for path in paths:
        with gzip.open(path) as f:
            for line in f:
                try:
                    domain, title, n, _ = parse_pageview(line)
                except Malformed:
                    continue
                views[domain, title] += n
    out = sys.stdout.buffer
    for (domain, title), n in sorted(views.items(), key=lambda kv: (-kv[1], kv[0])):
        out.write(b'%s\t%s\t%d\n' % (domain, title, n))


if __name__ == '__main__':
    main(sys.argv[1:])
