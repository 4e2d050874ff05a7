"""DuckDB giving MRPageViews' answer (MRTopPages' with --top N, MRDomainViews'
with --domains, MRHourlyViews' with --hours), written as DuckDB's users write it: typed columns with
``ignore_errors``, one query, and ``COPY ... TO`` the output, never through
Python. ``--show`` prints the query instead of running it.

Typed columns drop the lines ours drop on the bench data (a field short or
over, a count that is not a number), but one: an empty title, which DuckDB
reads as NULL. That difference alone is written out, as ``title IS NOT NULL``.

    python bench/contenders/duckdb_page_views.py [--top N | --domains | --hours] FILE.gz... > out.tsv
"""
import sys

import duckdb

SOURCE = """
FROM read_csv({files}, delim = ' ', quote = '', escape = '', header = false, auto_detect = false,
              columns = {{'domain': 'VARCHAR', 'title': 'VARCHAR', 'views': 'BIGINT', 'size': 'BIGINT'}},
              ignore_errors = true{more})
WHERE title IS NOT NULL"""
PAGES = "SELECT domain, title, sum(views) AS views" + SOURCE + """
GROUP BY domain, title
ORDER BY views DESC, domain, title"""
DOMAINS = "SELECT domain, sum(views) AS views, count(DISTINCT title)" + SOURCE + """
GROUP BY domain
ORDER BY views DESC, domain"""
# the hour from each file's name (pageviews-YYYYMMDD-HH0000...), as a user of
# DuckDB would take it: read_csv's filename column
HOURS = """SELECT regexp_replace(filename, '.*pageviews-(\\d{{4}})(\\d{{2}})(\\d{{2}})-(\\d{{2}})\\d{{4}}[^/]*$',
                      '\\1-\\2-\\3T\\4') AS hour, domain, sum(views) AS views""" + SOURCE + """
GROUP BY hour, domain
ORDER BY hour, views DESC, domain"""
# tab-separated, nothing quoted or escaped, as the jobs write
COPY = "COPY ({query}) TO '/dev/stdout' (FORMAT csv, DELIMITER '\t', HEADER false, QUOTE '', ESCAPE '')"


def query(argv):
    """The statement for a command line, and its files."""
    more = ''
    if argv[:1] == ['--domains']:
        select, files = DOMAINS, argv[1:]
    elif argv[:1] == ['--hours']:
        select, files, more = HOURS, argv[1:], ', filename = true'
    elif argv[:1] == ['--top']:
        select, files = PAGES + '\nLIMIT %d' % int(argv[1]), argv[2:]
    else:
        select, files = PAGES, argv
    listed = '[%s]' % ', '.join("'%s'" % f.replace("'", "''") for f in files)
    return COPY.format(query=select.format(files=listed, more=more)), files


def main(argv):
    show = argv[:1] == ['--show']
    statement, _ = query(argv[1:] if show else argv)
    if show:
        print(statement)
    else:
        duckdb.execute(statement)


if __name__ == '__main__':
    main(sys.argv[1:])
