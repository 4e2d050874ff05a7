"""Every job gives the same output on the inline, local and Spark runners."""
import pytest

from conftest import INPUTS, run_job
from jobs.mr_bill_word_freq import MRBillWordFreq
from jobs.mr_domain_views import MRDomainViews
from jobs.mr_hourly_views import MRHourlyViews
from jobs.mr_pack_bills import MRPackBills
from jobs.mr_page_views import MRPageViews
from jobs.mr_top_pages import MRTopPages

PAGEVIEW_JOBS = [
    (MRPageViews, ['--exclude-prefix', 'Special:']),
    (MRTopPages, ['--top', '5', '--per-domain']),
    (MRDomainViews, ['--min-views', '10']),
    (MRHourlyViews, ['--domain', 'en', '--domain', 'de.wikipedia', '--domain', 'en.m']),
]


@pytest.mark.parametrize('job_class, args', PAGEVIEW_JOBS, ids=lambda x: getattr(x, '__name__', ''))
def test_pageview_jobs_agree(job_class, args, spark):
    inline, inline_counters = run_job(job_class, args + [INPUTS / 'pageviews'])
    local, local_counters = run_job(job_class, args + [INPUTS / 'pageviews'], runner='local')
    on_spark, spark_counters = run_job(job_class, spark + args + [INPUTS / 'pageviews'], runner='spark')
    assert inline and inline == local == on_spark
    # per-file counters are for the local runners only (Hadoop caps counters)
    totals = [{k: n for k, n in c.items() if k[0] == 'pageviews'}
              for c in (inline_counters, local_counters, spark_counters)]
    assert totals[0] == totals[1] == totals[2]
    assert inline_counters == local_counters


def test_bill_job_agrees(tmp_path, spark):
    run_job(MRPackBills, ['--output-dir', tmp_path / 'packed', INPUTS / 'bills'])
    inline, _ = run_job(MRBillWordFreq, [INPUTS / 'bills'])
    local, _ = run_job(MRBillWordFreq, [INPUTS / 'bills'], runner='local')
    packed, _ = run_job(MRBillWordFreq, ['--packed', tmp_path / 'packed'], runner='local')
    on_spark, counters = run_job(MRBillWordFreq, spark + ['--packed', tmp_path / 'packed'],
                                 runner='spark')
    assert inline and inline == local == packed == on_spark
    assert counters[('bills', 'documents counted')] == 12
