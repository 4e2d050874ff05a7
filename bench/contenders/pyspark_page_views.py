"""PySpark giving MRPageViews' answer, written as Spark's users write it: a
DataFrame query on ``local[2]`` over the gzipped dumps with a typed schema,
the result written by Spark as tab-separated part files (then copied to
stdout, in order, for the bench to compare). ``--show`` prints the plan.

Spark's reader (PERMISSIVE) gives NULL for a field that is missing or not a
number, and an empty title, and cuts a line of more than 4 fields to 4: a
fifth column that must stay empty refuses those lines, as the jobs do.

    SPARK_LOCAL_IP=127.0.0.1 python bench/contenders/pyspark_page_views.py FILE.gz... > out.tsv
"""
import glob
import os
import shutil
import sys
import tempfile

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def query(spark, files):
    lines = spark.read.csv(files, sep=' ', quote='', escape='', header=False, mode='PERMISSIVE',
                           schema='domain STRING, title STRING, views BIGINT, size BIGINT, extra STRING')
    valid = (F.col('domain').isNotNull() & F.col('title').isNotNull() & F.col('views').isNotNull()
             & F.col('size').isNotNull() & F.col('extra').isNull())
    return (lines.where(valid)
            .groupBy('domain', 'title').agg(F.sum('views').alias('views'))
            .orderBy(F.desc('views'), 'domain', 'title'))


def main(argv):
    show = argv[:1] == ['--show']
    files = argv[1:] if show else argv
    spark = (SparkSession.builder.master('local[2]').config('spark.ui.enabled', 'false')
             .config('spark.sql.shuffle.partitions', '4').getOrCreate())
    spark.sparkContext.setLogLevel('ERROR')
    try:
        result = query(spark, files)
        if show:
            result.explain()
            return
        out = tempfile.mkdtemp(prefix='pyspark-page-views-')
        try:
            result.write.mode('overwrite').csv(out, sep='\t', quote='', escapeQuotes=False)
            with open(sys.stdout.fileno(), 'wb', closefd=False) as stdout:
                for part in sorted(glob.glob(os.path.join(out, 'part-*'))):
                    with open(part, 'rb') as f:
                        shutil.copyfileobj(f, stdout)
        finally:
            shutil.rmtree(out, ignore_errors=True)
    finally:
        spark.stop()


if __name__ == '__main__':
    main(sys.argv[1:])
