"""Tables over job outputs, where analysts query them: DDL from the run record.

Every job run with ``--output-dir`` writes ``_mrtally.json``, which names its
columns and their types. ``ddl`` turns that into an external table over the
part files: tab-separated text, no quoting, no escaping (no field holds a tab,
newline or other control byte), files named ``_*`` ignored as Hive and Athena
ignore them. An empty string is the NULL marker, so that a title spelled
``\\N`` (Hive's default marker) stays a title; no field of ours is empty.

Types: views and counts are BIGINT; titles and domains, which are bytes as the
dumps hold them (not always UTF-8), are STRING, as Wikimedia's own Hive tables
have them: the engine decodes them, so bytes that are not UTF-8 read as U+FFFD.

Raw dumps get a table partitioned as Wikimedia's own Hive tables are: hourly
dumps (pageviews, pagecounts-raw) by year/month/day/hour, the daily
pageviews-complete files by year/month/day, over directories laid out as Hive
finds partitions (``year=2024/month=1/day=1/hour=0/``; ``lay-out`` puts dump
files there), and a view of the lines our jobs count:
:data:`jobs.pageviews.HOURLY_LINE` or :data:`~jobs.pageviews.DAILY_LINE`, the
jobs' rule as a regular expression, with the view count cast to BIGINT (too
large is NULL, and left out, as the jobs leave it out). The one rule a regular
expression cannot hold, that a daily line's hourly counts add up to its total,
the view does not check.

Redshift gets a table and a load script (:mod:`jobs.redshift`); ``load`` runs
that script on PostgreSQL.

Sample command lines:

    python -m jobs.warehouse ddl --dialect hive --table page_views out/page_views
    python -m jobs.warehouse lay-out dumps/ data/pageviews/
    python -m jobs.warehouse ddl --dumps pageviews --location s3://bucket/dumps/
    python -m jobs.warehouse ddl --dialect redshift --location s3://bucket/pv/ out/page_views
    python -m jobs.warehouse load --postgres 'host=127.0.0.1 dbname=pv' out/page_views
"""
import argparse
import json
import logging
import os
import posixpath
import re
import shutil
import sys

from jobs.inputs import InputError, expand_inputs
from jobs.pageviews import DAILY_LINE, HOURLY_LINE, hour_of_file
from jobs import redshift
from jobs.tally import MANIFEST, RUN_RECORD

__all__ = ['table_ddl', 'dumps_ddl', 'redshift_ddl', 'load_postgres', 'lay_out', 'read_record',
           'DIALECTS', 'DUMPS']

DIALECTS = ('hive', 'athena', 'redshift')
_TYPES = {'string': 'STRING', 'bytes': 'STRING', 'bigint': 'BIGINT'}


class WarehouseError(Exception):
    """An output directory we cannot describe; the message says why."""


def _fs():
    from mrjob.job import MRJob
    return MRJob(args=['--no-conf']).make_runner().fs


def _read_json(directory, name):
    path = posixpath.join(directory, name)
    try:
        return json.loads(b''.join(_fs().cat(path)))
    except (IOError, OSError, ValueError) as e:
        raise WarehouseError('cannot read %s: %s' % (path, e)) from None


def read_record(directory):
    """The run record of a job output directory (local, S3 or HDFS)."""
    record = _read_json(directory, RUN_RECORD)
    if not record.get('columns'):
        raise WarehouseError('%s names no columns (written by an older mrtally?)'
                             % posixpath.join(directory, RUN_RECORD))
    return record


def table_ddl(record, dialect, table, location):
    """CREATE EXTERNAL TABLE for the output a run ``record`` describes."""
    if dialect == 'athena':
        # Athena reads a folder, which its LOCATION must end with
        location = location.rstrip('/') + '/'
    columns = ',\n'.join('  `%s` %s' % (c['name'], _TYPES[c['type']]) for c in record['columns'])
    return ("-- the output of %s (%s runner), finished %s\n"
            "CREATE EXTERNAL TABLE IF NOT EXISTS `%s` (\n%s\n)\n"
            "ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n'\n"
            "STORED AS TEXTFILE\n"
            "LOCATION '%s'\n"
            "TBLPROPERTIES ('serialization.null.format' = '');\n"
            % (record.get('job'), record.get('runner'), record.get('finished'),
               table, columns, location.replace("'", "\\'")))


# the columns of each kind of dump's lines (all STRING: the view casts), and its partitions
_HOURLY_DUMP = (('domain', 'title', 'views', 'bytes'), ('year', 'month', 'day', 'hour'), HOURLY_LINE)
DUMPS = {
    'pageviews': _HOURLY_DUMP,
    'pagecounts-raw': _HOURLY_DUMP,
    'pageviews-complete': (('domain', 'title', 'page_id', 'access_method', 'views', 'hourly_counts'),
                           ('year', 'month', 'day'), DAILY_LINE),
}


def dumps_ddl(dialect, table, location, kind='pageviews'):
    """An external table over dumps laid out by :func:`lay_out`, the statement
    that finds its partitions, and ``TABLE_valid``: the lines the jobs count,
    with views typed."""
    if dialect == 'athena':
        location = location.rstrip('/') + '/'
    columns, partitions, line = DUMPS[kind]
    regex = line.pattern.decode('ascii').replace('\\', '\\\\')
    kept = ', '.join('CAST(views AS BIGINT) AS views' if c == 'views' else c
                     for c in columns if c != 'bytes')
    return ("CREATE EXTERNAL TABLE IF NOT EXISTS `{t}` (\n{c}\n)\n"
            "PARTITIONED BY ({p})\n"
            "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'\n"
            "WITH SERDEPROPERTIES ('input.regex' = '{r}')\n"
            "STORED AS TEXTFILE\n"
            "LOCATION '{l}';\n"
            "MSCK REPAIR TABLE `{t}`;\n"
            "CREATE OR REPLACE VIEW `{t}_valid` AS\n"
            "SELECT {k}, {pn}\n"
            "FROM `{t}` WHERE domain IS NOT NULL AND CAST(views AS BIGINT) IS NOT NULL;\n"
            ).format(t=table, r=regex, l=location.replace("'", "\\'"),
                     c=',\n'.join('  `%s` STRING' % c for c in columns),
                     p=', '.join('`%s` INT' % p for p in partitions),
                     k=kept, pn=', '.join(partitions))


def lay_out(dest, paths):
    """Hard-link (or copy) dump files into ``dest`` by their hour (daily
    files by their day), as Hive finds partitions; return how many. Raises
    WarehouseError for a file whose name has neither."""
    n = 0
    for path in expand_inputs(paths):
        hour = hour_of_file(path)
        if not hour:
            raise WarehouseError('%s: no hour or day in its name (pageviews-YYYYMMDD-HH0000,'
                                 ' pageviews-YYYYMMDD-user)' % path)
        # a daily file's day, or an hourly file's hour
        parts = zip(('year', 'month', 'day', 'hour'), re.split('[-T]', hour.rstrip('T')))
        directory = os.path.join(dest, *('%s=%d' % (name, int(n)) for name, n in parts))
        os.makedirs(directory, exist_ok=True)
        target = os.path.join(directory, os.path.basename(path))
        if not os.path.exists(target):
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)
        n += 1
    return n


def _source(directory):
    """The URL of an output directory, as its manifest names its files."""
    if '://' not in directory:
        directory = 'file://' + os.path.abspath(directory)
    return directory.rstrip('/')


def redshift_ddl(directory, table, location=None, iam_role='default'):
    """The Redshift script that creates ``table`` and loads the output in
    ``directory`` into it (:mod:`jobs.redshift`), from S3: where the output
    was written, or ``location``, where it was copied."""
    record = read_record(directory)
    entries = _read_json(directory, MANIFEST)['entries']
    source = _source(location or directory)
    if not source.startswith('s3://'):
        raise WarehouseError('Redshift reads from S3: run the job with --output-dir s3://..., or'
                             ' copy the output there and name it with --location s3://...')
    manifest_url = None if location else source + '/' + MANIFEST
    if location:
        entries = [dict(e, url=source + '/' + posixpath.basename(e['url'])) for e in entries]
    return redshift.load_script(record, entries, table, source, redshift.Redshift(),
                                manifest_url=manifest_url, iam_role=iam_role)


def _check_sizes(fs, entries):
    for entry in entries:
        try:
            size = fs.du(entry['url'])
        except (IOError, OSError) as e:
            raise WarehouseError('%s, which its manifest lists, cannot be read: %s'
                                 % (entry['url'], e)) from None
        _same_size(entry, size)


def _same_size(entry, size):
    expected = entry.get('meta', {}).get('content_length')
    if expected is not None and size != expected:
        raise WarehouseError('%s holds %d bytes, its manifest says %d: was the output changed?'
                             % (entry['url'], size, expected))


def _lines(entries):
    """The lines of the manifest's files, each checked whole against its size,
    before and after it is read."""
    fs = _fs()
    _check_sizes(fs, entries)
    for entry in entries:
        size, rest = 0, b''
        for chunk in fs.cat(entry['url']):
            size += len(chunk)
            lines = (rest + chunk).split(b'\n')
            rest = lines.pop()
            for line in lines:
                yield line + b'\n'
        if rest:
            yield rest + b'\n'
        _same_size(entry, size)


def load_postgres(dsn, directory, table):
    """Load the output in ``directory`` into PostgreSQL with the Redshift
    script, run by :class:`jobs.redshift.PostgresAsRedshift`; return the
    counts of :func:`jobs.redshift.run_script` and the number of files."""
    try:
        import psycopg
    except ImportError:
        raise WarehouseError('load needs psycopg: make warehouse') from None
    record = read_record(directory)
    entries = _read_json(directory, MANIFEST)['entries']
    source = _source(directory)
    statements = redshift.load_script(record, entries, table, source, redshift.PostgresAsRedshift())
    try:
        with psycopg.connect(dsn, autocommit=True) as connection:
            return redshift.run_script(connection, statements, _lines(entries)) + (len(entries),)
    except psycopg.Error as e:
        raise WarehouseError('PostgreSQL: %s' % str(e).strip().splitlines()[0]) from None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='what', required=True)
    ddl = sub.add_parser('ddl', help='print the DDL of a table over a job output')
    ddl.add_argument('output_dir', metavar='OUTPUT_DIR', nargs='?',
                     help='a job output directory (with _mrtally.json)')
    ddl.add_argument('--dumps', choices=sorted(DUMPS),
                     help='instead: a table over dumps laid out by lay-out (--location)')
    ddl.add_argument('--dialect', choices=DIALECTS, default='hive', help='SQL dialect (default hive)')
    ddl.add_argument('--table', help="the table's name (default: the directory's name)")
    ddl.add_argument('--location', metavar='URI',
                     help='where the engine finds the files (default OUTPUT_DIR)')
    ddl.add_argument('--iam-role', metavar='ARN', default='default',
                     help="redshift: the role COPY reads S3 with (default: the cluster's default role)")
    load = sub.add_parser('load', help='load a job output into PostgreSQL with the Redshift script')
    load.add_argument('output_dir', metavar='OUTPUT_DIR', help='a job output directory')
    load.add_argument('--postgres', metavar='DSN', default='',
                      help="a libpq connection string (default: libpq's PG* environment variables)")
    load.add_argument('--table', help="the table's name (default: the directory's name)")
    lay = sub.add_parser('lay-out', help='link dump files into year=/month=/day=[/hour=] directories')
    lay.add_argument('dest', metavar='DEST', help='the directory to lay them out in')
    lay.add_argument('inputs', metavar='INPUT', nargs='+', help='dump files or directories')
    opts = parser.parse_args(argv)
    # mrjob's note that no mrjob.conf is in use is noise here
    logging.getLogger('mrjob').setLevel(logging.ERROR)
    # psycopg notes that it ended a COPY we stopped; the error itself is ours to tell
    logging.getLogger('psycopg').setLevel(logging.CRITICAL)
    try:
        _run(parser, opts)
    except (WarehouseError, InputError, ValueError) as e:
        sys.exit('warehouse: error: %s' % e)


def _run(parser, opts):
    if opts.what == 'lay-out':
        print('warehouse: %d files laid out in %s' % (lay_out(opts.dest, opts.inputs), opts.dest),
              file=sys.stderr)
        return
    table = opts.table or posixpath.basename((opts.output_dir or '').rstrip('/'))
    if opts.what == 'load':
        rows, changed, replaced, files = load_postgres(opts.postgres, opts.output_dir, table)
        print("warehouse: loaded %d rows from %d file%s into %s%s; %d held bytes that are not"
              " UTF-8, loaded as '?'" % (rows, files, '' if files == 1 else 's', table,
                                         ' (replacing %d loaded before)' % replaced if replaced else '',
                                         changed), file=sys.stderr)
        return
    if opts.dumps:
        if not opts.location:
            parser.error('--dumps needs --location')
        if opts.dialect == 'redshift':
            parser.error('--dumps makes Hive and Athena tables: load a job output into Redshift')
        sys.stdout.write(dumps_ddl(opts.dialect, opts.table or opts.dumps.replace('-', '_'),
                                   opts.location, opts.dumps))
        return
    if not opts.output_dir:
        parser.error('name an OUTPUT_DIR, or --dumps')
    if opts.dialect == 'redshift':
        statements = redshift_ddl(opts.output_dir, table, opts.location, opts.iam_role)
        sys.stdout.write(';\n\n'.join(statements) + ';\n')
        return
    sys.stdout.write(table_ddl(read_record(opts.output_dir), opts.dialect, table,
                               _source(opts.location or opts.output_dir)))


if __name__ == '__main__':
    main()
