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

Sample command line:

    python -m jobs.warehouse ddl --dialect hive --table page_views out/page_views
"""
import argparse
import json
import logging
import os
import posixpath
import sys

from jobs.tally import RUN_RECORD

__all__ = ['table_ddl', 'read_record', 'DIALECTS']

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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='what', required=True)
    ddl = sub.add_parser('ddl', help='print the DDL of a table over a job output')
    ddl.add_argument('output_dir', metavar='OUTPUT_DIR', help='a job output directory (with _mrtally.json)')
    ddl.add_argument('--dialect', choices=DIALECTS, default='hive', help='SQL dialect (default hive)')
    ddl.add_argument('--table', help="the table's name (default: the directory's name)")
    ddl.add_argument('--location', metavar='URI',
                     help='where the engine finds the files (default OUTPUT_DIR)')
    opts = parser.parse_args(argv)
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
