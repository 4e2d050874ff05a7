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

Raw hourly dumps (pageviews, pagecounts-raw) get a table partitioned by
year/month/day/hour, as Wikimedia's own Hive tables are, over directories
laid out as Hive finds partitions (``year=2024/month=1/day=1/hour=0/``;
``lay-out`` puts dump files there), and a view of the lines our jobs count:
:data:`jobs.pageviews.HOURLY_LINE`, the jobs' rule for a 4-field line as a
regular expression, with the view count cast to BIGINT (too large is NULL,
and left out, as the jobs leave it out).

Sample command lines:

    python -m jobs.warehouse ddl --dialect hive --table page_views out/page_views
    python -m jobs.warehouse lay-out dumps/ data/pageviews/
    python -m jobs.warehouse ddl --dumps pageviews --location s3://bucket/dumps/
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
from jobs.pageviews import HOURLY_LINE, hour_of_file
from jobs.tally import RUN_RECORD

__all__ = ['table_ddl', 'dumps_ddl', 'lay_out', 'read_record', 'DIALECTS']

DIALECTS = ('hive', 'athena')
_TYPES = {'string': 'STRING', 'bytes': 'STRING', 'bigint': 'BIGINT'}


class WarehouseError(Exception):
    """An output directory we cannot describe; the message says why."""


def read_record(directory):
    """The run record of a job output directory (local, S3 or HDFS)."""
    from mrjob.job import MRJob
    fs = MRJob(args=['--no-conf']).make_runner().fs
    path = posixpath.join(directory, RUN_RECORD)
    try:
        record = json.loads(b''.join(fs.cat(path)))
    except (IOError, OSError, ValueError) as e:
        raise WarehouseError('cannot read %s: %s' % (path, e)) from None
    if not record.get('columns'):
        raise WarehouseError('%s names no columns (written by an older mrtally?)' % path)
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


def dumps_ddl(dialect, table, location):
    """An external table over hourly dumps laid out by :func:`lay_out`, the
    statement that finds its partitions, and ``TABLE_valid``: the lines the
    jobs count, typed."""
    if dialect == 'athena':
        location = location.rstrip('/') + '/'
    regex = HOURLY_LINE.pattern.decode('ascii').replace('\\', '\\\\')
    return ("CREATE EXTERNAL TABLE IF NOT EXISTS `{t}` (\n"
            "  `domain` STRING,\n  `title` STRING,\n  `views` STRING,\n  `bytes` STRING\n)\n"
            "PARTITIONED BY (`year` INT, `month` INT, `day` INT, `hour` INT)\n"
            "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'\n"
            "WITH SERDEPROPERTIES ('input.regex' = '{r}')\n"
            "STORED AS TEXTFILE\n"
            "LOCATION '{l}';\n"
            "MSCK REPAIR TABLE `{t}`;\n"
            "CREATE OR REPLACE VIEW `{t}_valid` AS\n"
            "SELECT domain, title, CAST(views AS BIGINT) AS views, year, month, day, hour\n"
            "FROM `{t}` WHERE domain IS NOT NULL AND CAST(views AS BIGINT) IS NOT NULL;\n"
            ).format(t=table, r=regex, l=location.replace("'", "\\'"))


def lay_out(dest, paths):
    """Hard-link (or copy) hourly dump files into ``dest`` by their hour, as
    Hive finds partitions; return how many. Raises WarehouseError for a
    file whose name has no hour."""
    n = 0
    for path in expand_inputs(paths):
        hour = hour_of_file(path)
        if not hour or hour.endswith('T'):
            raise WarehouseError('%s: no hour in its name (pageviews-YYYYMMDD-HH0000)' % path)
        year, month, day, hh = (int(x) for x in re.split('[-T]', hour))
        directory = os.path.join(dest, 'year=%d' % year, 'month=%d' % month, 'day=%d' % day,
                                 'hour=%d' % hh)
        os.makedirs(directory, exist_ok=True)
        target = os.path.join(directory, os.path.basename(path))
        if not os.path.exists(target):
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)
        n += 1
    return n


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='what', required=True)
    ddl = sub.add_parser('ddl', help='print the DDL of a table over a job output')
    ddl.add_argument('output_dir', metavar='OUTPUT_DIR', nargs='?',
                     help='a job output directory (with _mrtally.json)')
    ddl.add_argument('--dumps', choices=['pageviews', 'pagecounts-raw'],
                     help='instead: a table over hourly dumps laid out by lay-out (--location)')
    ddl.add_argument('--dialect', choices=DIALECTS, default='hive', help='SQL dialect (default hive)')
    ddl.add_argument('--table', help="the table's name (default: the directory's name)")
    ddl.add_argument('--location', metavar='URI',
                     help='where the engine finds the files (default OUTPUT_DIR)')
    lay = sub.add_parser('lay-out', help='link hourly dump files into year=/month=/day=/hour= directories')
    lay.add_argument('dest', metavar='DEST', help='the directory to lay them out in')
    lay.add_argument('inputs', metavar='INPUT', nargs='+', help='dump files or directories')
    opts = parser.parse_args(argv)
    if opts.what == 'lay-out':
        try:
            print('warehouse: %d files laid out in %s' % (lay_out(opts.dest, opts.inputs), opts.dest),
                  file=sys.stderr)
        except (WarehouseError, InputError) as e:
            sys.exit('warehouse: error: %s' % e)
        return
    if opts.dumps:
        if not opts.location:
            parser.error('--dumps needs --location')
        sys.stdout.write(dumps_ddl(opts.dialect, opts.table or opts.dumps.replace('-', '_'),
                                   opts.location))
        return
    if not opts.output_dir:
        parser.error('name an OUTPUT_DIR, or --dumps')
    # mrjob's note that no mrjob.conf is in use is noise here
    logging.getLogger('mrjob').setLevel(logging.ERROR)
    try:
        record = read_record(opts.output_dir)
    except WarehouseError as e:
        sys.exit('warehouse: error: %s' % e)
    table = opts.table or posixpath.basename(opts.output_dir.rstrip('/'))
    location = opts.location or opts.output_dir
    if '://' not in location:
        location = 'file://' + os.path.abspath(location)
    sys.stdout.write(table_ddl(record, opts.dialect, table, location))


if __name__ == '__main__':
    main()
