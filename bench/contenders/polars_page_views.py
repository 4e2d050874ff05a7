"""Polars giving MRPageViews' answer, written as Polars' users write it: a
lazy CSV scan with typed columns, group_by, and the file written by Polars
(``sink_csv``), never through Python. ``--show`` prints the plan.

A line of more than 4 fields would be cut to 4 by ``truncate_ragged_lines``
and counted; a fifth column that must stay empty refuses it, as the jobs do.
Cast failures (``ignore_errors``) and short lines give nulls, which the
filter drops with the empty titles.

    python bench/contenders/polars_page_views.py FILE.gz... > out.tsv
"""
import sys

import polars as pl

SCHEMA = {'domain': pl.String, 'title': pl.String, 'views': pl.Int64, 'size': pl.Int64,
          'extra': pl.String}


def plan(files):
    lines = pl.concat([pl.scan_csv(f, separator=' ', has_header=False, quote_char=None, schema=SCHEMA,
                                   ignore_errors=True, truncate_ragged_lines=True,
                                   missing_columns='insert') for f in files])
    valid = pl.all_horizontal(pl.col('domain', 'title', 'views', 'size').is_not_null(),
                              pl.col('extra').is_null())
    return (lines.filter(valid).group_by('domain', 'title').agg(pl.col('views').sum())
            .sort(['views', 'domain', 'title'], descending=[True, False, False]))


def main(argv):
    if argv[:1] == ['--show']:
        print(plan(argv[1:]).explain())
        return
    plan(argv).sink_csv('/dev/stdout', separator='\t', include_header=False, quote_style='never')


if __name__ == '__main__':
    main(sys.argv[1:])
