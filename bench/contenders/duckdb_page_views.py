"""DuckDB giving MRPageViews' answer (or MRTopPages' with --top N): the same
validity rules, as SQL over the gzipped dumps.

    python bench/contenders/duckdb_page_views.py [--top N] FILE.gz... > out.tsv
"""
import sys

import duckdb

QUERY = r"""
SELECT domain, title, sum(CAST(views AS BIGINT)) AS views
FROM read_csv($files, delim = ' ', quote = '', escape = '', header = false,
              columns = {'domain': 'VARCHAR', 'title': 'VARCHAR', 'views': 'VARCHAR', 'size': 'VARCHAR'},
              ignore_errors = true, null_padding = false, auto_detect = false)
WHERE domain <> '' AND title <> ''
  AND regexp_full_match(views, '[0-9]{1,18}') AND regexp_full_match(size, '[0-9]{1,18}')
  AND NOT regexp_matches(domain || title, '[\x00-\x1f]')
GROUP BY domain, title
ORDER BY views DESC, domain, title
"""


def main(argv):
    top = None
    if argv[:1] == ['--top']:
        top, argv = int(argv[1]), argv[2:]
    query = QUERY + ('LIMIT %d' % top if top else '')
    rows = duckdb.execute(query, {'files': argv}).fetchall()
    out = sys.stdout.buffer
    for domain, title, views in rows:
        out.write(b'%s\t%s\t%d\n' % (domain.encode(), title.encode(), views))


if __name__ == '__main__':
    main(sys.argv[1:])
