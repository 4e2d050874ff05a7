import os

import pytest

import reference
from conftest import INPUTS, run_job, sample_reference
from jobs.mr_bill_word_freq import MRBillWordFreq
from jobs.mr_hourly_views import MRHourlyViews
from jobs.mr_page_views import MRPageViews
from jobs.spark_lines import IO_JAR

pytestmark = pytest.mark.skipif(not os.path.exists(IO_JAR), reason='make hadoop builds %s' % IO_JAR)


def driver_memory(job_class, *args):
    spark_args = job_class(['-r', 'spark', *args, str(INPUTS / 'pageviews')]).options.spark_args
    return [spark_args[i + 1] for i, a in enumerate(spark_args) if a == '--driver-memory']


def test_a_local_jvm_heap_is_half_the_budget_or_what_spark_needs():
    local = ('--spark-master', 'local[2]')
    assert driver_memory(MRPageViews, *local) == ['512m']
    assert driver_memory(MRPageViews, *local, '--memory', '3000') == ['1500m']
    assert driver_memory(MRPageViews, *local, '--memory', '384') == ['512m']
    assert driver_memory(MRBillWordFreq, *local, '--packed') == ['512m']


def test_what_the_user_says_of_the_jvm_stands():
    local = ('--spark-master', 'local[2]')
    assert driver_memory(MRPageViews, *local, '--spark-args=--driver-memory',
                         '--spark-args=2g') == ['2g']
    assert driver_memory(MRPageViews, *local, '-D', 'spark.driver.memory=2g') == []
    assert driver_memory(MRPageViews, *local, '--spark-args=--conf',
                         '--spark-args=spark.driver.memory=2g') == []
    # a cluster's driver is the cluster's to size
    assert driver_memory(MRPageViews, '--spark-master', 'yarn') == []


BIG_LINES = 500000


@pytest.fixture(scope='module')
def big_hour(tmp_path_factory):
    """An uncompressed hourly dump of about 10 MB: Spark splits it in two, and
    each split is more than one block (4 MB) of lines. Some titles are not
    UTF-8 and some lines are bad, throughout."""
    import random
    rng = random.Random(4)
    lines = [b'%s Page_%d%s %d 0' % (rng.choice([b'en', b'de', b'ru.m']), rng.randrange(50000),
                                      rng.choice([b'', b'_\xc4\xe8\xf5', b'\xff']),
                                      rng.randint(1, 9))
             for _ in range(BIG_LINES)]
    for at in range(0, len(lines), 9973):
        lines[at] = rng.choice([b'', b'en', b'en P1 x 0', b'en  3 0'])
    path = tmp_path_factory.mktemp('big') / 'pageviews-20240101-050000'
    path.write_bytes(b'\n'.join(lines) + b'\n')
    assert path.stat().st_size > 2 * 4.5 * 2 ** 20
    return path


@pytest.mark.parametrize('job_class, expected', [
    (MRPageViews, lambda records: reference.sorted_rows(reference.page_views(records))),
    (MRHourlyViews, reference.hourly_rows),
])
def test_spark_maps_blocks_of_lines_as_lines(job_class, expected, big_hour, spark):
    records, bad = sample_reference(big_hour.parent)
    assert bad > 30
    lines, counters = run_job(job_class, [*spark, big_hour], runner='spark')
    assert lines == expected(records)
    assert counters['pageviews', 'lines read'] == BIG_LINES
    assert sum(n for (group, name), n in counters.items()
               if group == 'pageviews' and name.startswith('malformed')) == bad
