"""DuckDB giving MRPageViews' answer (MRTopPages' with --top N, MRDomainViews'
with --domains): the same validity rules, as SQL over the gzipped dumps.

    python bench/contenders/duckdb_page_views.py [--top N | --domains] FILE.gz... > out.tsv
"""
import sys

import duckdb

VALID = r"""
FROM read_csv($files, delim = ' ', quote = '', escape = '', header = false,
              columns = {'domain': 'VARCHAR', 'title': 'VARCHAR', 'views': 'VARCHAR', 'size': 'VARCHAR'},
              ignore_errors = true, null_padding = false, auto_detect = false)
WHERE domain <> '' AND title <> ''
  AND regexp_full_match(views, '[0-9]{1,18}') AND regexp_full_match(size, '[0-9]{1,18}')
  AND NOT regexp_matches(domain || title, '[\x00-\x1f]')
"""
PAGES = """
SELECT domain, title, sum(CAST(views AS BIGINT)) AS views
""" + VALID + """
GROUP BY domain, title
ORDER BY views DESC, domain, title
"""
DOMAINS = """
SELECT domain, sum(CAST(views AS BIGINT)) AS views, count(DISTINCT title)
""" + VALID + """
GROUP BY domain
ORDER BY views DESC, domain
"""


def main(argv):
    out = sys.stdout.buffer
    if argv[:1] == ['--domains']:
        for domain, views, titles in duckdb.execute(DOMAINS, {'files': argv[1:]}).fetchall():
            out.write(b'%s\t%d\t%d\n' % (domain.encode(), views, titles))
        return
    query = PAGES
    if argv[:1] == ['--top']:
        query, argv = query + 'LIMIT %d' % int(argv[1]), argv[2:]
    for domain, title, views in duckdb.execute(query, {'files': argv}).fetchall():
        out.write(b'%s\t%s\t%d\n' % (domain.encode(), title.encode(), views))


if __name__ == '__main__':
    main(sys.argv[1:])
