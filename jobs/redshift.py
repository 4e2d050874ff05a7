"""Redshift tables over job outputs, and a load that can run twice.

``python -m jobs.warehouse ddl --dialect redshift OUTPUT_DIR`` prints one
script, from the output's run record and COPY manifest:

1. ``CREATE TABLE IF NOT EXISTS`` the table, with the job's columns and a
   ``source`` column, the output each row came from, so that one table can hold
   many runs (a day each, say) and a run can be loaded again; and the table
   ``mrtally_loaded_files``, one row per part file loaded.
2. In one transaction: COPY into a temporary staging table, delete the rows of
   the same source from the table and from ``mrtally_loaded_files``, insert the
   staged rows and the manifest's files. Loading the same output twice leaves the
   same rows; a failed COPY (``MAXERROR 0``) rolls everything back.

The files are ours, so COPY is told exactly what they hold: fields split on
tabs (``DELIMITER '\\t'``), no quoting and no escapes (no ``ESCAPE``, so a
backslash is a backslash: no field holds a tab, newline or control byte), and a
NULL marker that never occurs (``NULL AS '\\0'``, not the default ``\\N``, which
is a page title that exists).

Titles and domains are the dumps' bytes, and not always UTF-8, which Redshift's
VARCHAR requires (VARBYTE loads only from hex). The policy: ``ACCEPTINVCHARS AS
'?'`` loads each byte of an invalid sequence as ``?``, so lengths in bytes are
kept. COPY's own message says how many rows that changed, the script then
lists the first of them from STL_REPLACEMENTS, and ``jobs.warehouse load``
counts them itself. No row is
rejected or merged: two titles that differ only in invalid bytes become two
rows with one title, and every view is still counted. Fields are VARCHAR(65535),
the widest Redshift has, because dump titles are request paths, not bounded by
MediaWiki's 255 bytes; a longer one fails the load, loudly.

Redshift-only SQL is kept in one layer, :class:`Redshift`, whose
:class:`PostgresAsRedshift` runs the same script on PostgreSQL (the tests, and
``jobs.warehouse load``): no distribution or sort keys, COPY from STDIN in CSV
mode with a quote byte that never occurs (PostgreSQL's text mode would read
backslashes as escapes), and the replacement done by the loader.
"""
import codecs
import re

__all__ = ['Redshift', 'PostgresAsRedshift', 'load_script', 'LOADED_FILES', 'accept_invalid']

LOADED_FILES = 'mrtally_loaded_files'
_WIDE = 'VARCHAR(65535)'
_TYPES = {'string': _WIDE, 'bytes': _WIDE, 'bigint': 'BIGINT'}
_IDENTIFIER = re.compile(r'[A-Za-z_][A-Za-z0-9_]{0,126}$')

# How each job's table is laid out across slices, for the queries it answers.
KEYS = {
    'MRPageViews': (
        'DISTSTYLE KEY DISTKEY (title)', 'domain, title',
        'rows spread evenly by title (by domain, en.wikipedia would hold most);'
        ' sorted by domain and title for one wiki\'s pages and for joining runs'),
    'MRTopPages': (
        'DISTSTYLE ALL', 'views',
        'a few rows: a copy on every node joins for free; sorted by views, as it is read'),
    'MRDomainViews': (
        'DISTSTYLE ALL', 'domain',
        'one row per wiki: a copy on every node; sorted by domain'),
    'MRHourlyViews': (
        'DISTSTYLE EVEN', 'hour, domain',
        'hours times wikis, queried by time range: sorted by hour, spread evenly'),
    'MRBillWordFreq': (
        'DISTSTYLE KEY DISTKEY (word)', 'word',
        'words, joined and looked up by word'),
}
_DEFAULT_KEYS = ('DISTSTYLE AUTO', None, 'Redshift chooses')


def _literal(text):
    # Redshift reads a backslash in a literal as an escape, PostgreSQL does not
    if '\\' in text:
        raise ValueError('%r holds a backslash, which Redshift and PostgreSQL read apart' % text)
    return "'%s'" % text.replace("'", "''")


def _identifier(name):
    if not _IDENTIFIER.match(name):
        raise ValueError('%r is not a table name (letters, digits and _; at most 127)' % name)
    return name.lower()


def _replace_invalid(error):
    # the length in bytes is kept, as Redshift keeps it: one '?' per invalid byte
    return '?' * (error.end - error.start), error.end


codecs.register_error('mrtally-acceptinvchars', _replace_invalid)


def accept_invalid(line):
    """``(line, changed)``: the bytes of ``line`` as ACCEPTINVCHARS AS '?' loads them."""
    try:
        line.decode('utf-8')
        return line, False
    except UnicodeDecodeError:
        return line.decode('utf-8', 'mrtally-acceptinvchars').encode('utf-8'), True


class Redshift:
    """The clauses only Redshift has; the rest of the script is plain SQL."""
    name = 'redshift'

    def table_attributes(self, job):
        style, sort, why = KEYS.get(job, _DEFAULT_KEYS)
        return '-- %s\n%s%s' % (why, style, '\nCOMPOUND SORTKEY (%s)' % sort if sort else '')

    def copy(self, stage, columns, source, manifest_url, iam_role):
        if manifest_url:
            where = '%s\nMANIFEST' % _literal(manifest_url)
        else:   # a copied output: its manifest names where it was written, so read the prefix
            where = _literal(source.rstrip('/') + '/part-')
        return ("-- tab-separated, no quotes, no escapes, never NULL; bytes that are not UTF-8\n"
                "-- load as '?' (jobs/redshift.py); any other error rolls the whole load back\n"
                "COPY %s (%s)\nFROM %s\nIAM_ROLE %s\n"
                "DELIMITER '\\t' NULL AS '\\0' ACCEPTINVCHARS AS '?' MAXERROR 0\n"
                "COMPUPDATE OFF STATUPDATE OFF"
                % (stage, ', '.join(columns), where,
                   'default' if iam_role == 'default' else _literal(iam_role)))

    def replaced_rows(self):
        return ("-- COPY's message says how many rows it loaded with '?' for bytes that are not\n"
                "-- UTF-8; these are the first (Redshift logs at most 100 rows a slice)\n"
                "SELECT filename, line_number, colname FROM stl_replacements\n"
                "WHERE query = pg_last_copy_id() ORDER BY filename, line_number LIMIT 10")

    def now(self):
        return 'GETDATE()'


class PostgresAsRedshift(Redshift):
    """The same script on PostgreSQL: COPY reads STDIN, which the loader feeds
    with the part files after :func:`accept_invalid`."""
    name = 'postgres'

    def table_attributes(self, job):
        return ''

    def copy(self, stage, columns, source, manifest_url, iam_role):
        return ("COPY %s (%s) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\t', QUOTE E'\\x01',"
                " NULL E'\\x02')" % (stage, ', '.join(columns)))

    def replaced_rows(self):
        return None

    def now(self):
        return 'now()'


def load_script(record, entries, table, source, dialect, manifest_url=None, iam_role='default'):
    """The statements that create ``table`` and load one output into it.

    ``entries`` are the manifest's (``url`` and ``meta.content_length``),
    ``source`` is where the output is (the URL its rows are tagged with). The
    COPY statement is the one that starts with ``COPY``.
    """
    table = _identifier(table)
    stage = '%s_stage' % table
    columns = [c['name'] for c in record['columns']]
    typed = ',\n'.join('  %s %s NOT NULL' % (c['name'], _TYPES[c['type']]) for c in record['columns'])
    attributes = dialect.table_attributes(record.get('job'))
    src = _literal(source)
    files = ',\n'.join('  (%s, %s, %s, %d, %s)' % (
        _literal(table), src, _literal(e['url']), e.get('meta', {}).get('content_length', 0),
        dialect.now()) for e in entries)
    statements = [
        '-- the output of %s (%s runner), finished %s\nCREATE TABLE IF NOT EXISTS %s (\n%s,\n'
        '  source VARCHAR(1024) NOT NULL -- the output the row came from\n)%s'
        % (record.get('job'), record.get('runner'), record.get('finished'), table, typed,
           '\n' + attributes if attributes else ''),
        'CREATE TABLE IF NOT EXISTS %s (\n  table_name VARCHAR(127) NOT NULL,\n'
        '  source VARCHAR(1024) NOT NULL,\n  url VARCHAR(1024) NOT NULL,\n'
        '  content_length BIGINT NOT NULL,\n  loaded_at TIMESTAMP NOT NULL\n)' % LOADED_FILES,
        'BEGIN',
        'CREATE TEMP TABLE %s (\n%s\n)' % (stage, typed),
        dialect.copy(stage, columns, source, manifest_url, iam_role),
        dialect.replaced_rows(),
        'DELETE FROM %s WHERE source = %s' % (table, src),
        'INSERT INTO %s (%s, source)\nSELECT %s, %s FROM %s'
        % (table, ', '.join(columns), ', '.join(columns), src, stage),
        'DELETE FROM %s WHERE table_name = %s AND source = %s' % (LOADED_FILES, _literal(table), src),
        'INSERT INTO %s (table_name, source, url, content_length, loaded_at) VALUES\n%s'
        % (LOADED_FILES, files) if entries else None,
        'DROP TABLE %s' % stage,
        'COMMIT',
    ]
    return [s for s in statements if s]


def run_script(connection, statements, lines):
    """Run :func:`load_script`'s statements (a :class:`PostgresAsRedshift`
    script) on a psycopg connection in autocommit mode, the script's own
    transaction, feeding its COPY with ``lines`` (bytes, each with its newline).

    Returns ``(rows, changed, replaced)``: rows loaded, rows whose bytes
    :func:`accept_invalid` changed, rows of the same source loaded before.
    Any error rolls the whole load back.
    """
    rows = changed = replaced = 0
    with connection.cursor() as cursor:
        try:
            for statement in statements:
                if statement.startswith('COPY'):   # PostgresAsRedshift's COPY has no comment
                    with cursor.copy(statement) as copy:
                        for line in lines:
                            line, was = accept_invalid(line)
                            copy.write(line)
                            rows += 1
                            changed += was
                else:
                    cursor.execute(statement)
                    if statement.startswith('DELETE') and ' WHERE source = ' in statement:
                        replaced = cursor.rowcount
        except BaseException:
            if not connection.closed:
                cursor.execute('ROLLBACK')
            raise
    return rows, changed, replaced
