import os

import pytest

from conftest import INPUTS
from jobs.mr_bill_word_freq import MRBillWordFreq
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
    assert driver_memory(MRPageViews, *local, '--memory', '300') == ['512m']
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
