"""Run every mrtally job on the sample data and print what they found.

Each job's output goes to ``OUT/<job>/`` as part files, as on a cluster; the
summary shows the top words and pages and every counter of skipped input.

Sample command line:

    python -m jobs.run_all --runner inline --out out
"""
import argparse
import logging
import os
import shutil
import sys
import time

from jobs.mr_bill_word_freq import MRBillWordFreq
from jobs.mr_domain_views import MRDomainViews
from jobs.mr_hourly_views import MRHourlyViews
from jobs.mr_pack_bills import MRPackBills
from jobs.mr_page_views import MRPageViews
from jobs.mr_top_pages import MRTopPages
from jobs.inputs import expand_inputs
from jobs.pageviews import is_daily_file, title_for_people
from jobs.summary import SKIPPED
from jobs.tally import format_counters


def plan(pageviews, bills, out):
    """``(name, job class, arguments)`` for every job, in the order they run."""
    packed = os.path.join(out, 'packed_bills')
    # Views per hour from hourly dumps and from daily files go apart: summed,
    # the hours that both cover would stand out as a peak that is not one.
    files = expand_inputs([pageviews])
    daily = [f for f in files if is_daily_file(f)]
    hourly = [f for f in files if not is_daily_file(f)]
    return [
        ('page_views', MRPageViews, [pageviews]),
        ('top_pages', MRTopPages, ['--top', '10', pageviews]),
        ('domain_views', MRDomainViews, [pageviews]),
        *([('hourly_views', MRHourlyViews, hourly)] if hourly else []),
        *([('daily_hourly_views', MRHourlyViews, daily)] if daily else []),
        ('bill_word_freq', MRBillWordFreq, [bills]),
        ('packed_bills', MRPackBills, [bills]),
        ('packed_bill_word_freq', MRBillWordFreq, ['--packed', packed]),
    ]


def run(job_class, args, output_dir):
    """Run one job; return its output rows (bytes) and counters."""
    # --no-conf: the sample run needs no settings, and a user's mrjob.conf
    # (say, one for EMR) must not change it; each run replaces the last one's output
    job = job_class(args=args + ['--no-conf', '--overwrite', '--output-dir', output_dir])
    with job.make_runner() as runner:
        job.run_to_output(runner)
        rows = [value for _, value in job.parse_output(job.output_chunks(runner))]
        return rows, runner.counters()


def show(heading, rows, n=10):
    print('\n' + heading)
    for rank, row in enumerate(rows[:n], 1):
        *first, count = row.rstrip(b'\r\n').split(b'\t')
        words = [title_for_people(field) for field in first]
        print('%4d  %-60s %10s' % (rank, '  '.join(words), count.decode()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runner', default='inline',
                        help='mrjob runner: inline (default) or local')
    parser.add_argument('--out', default='out', help='output directory')
    parser.add_argument('--pageviews', default='inputs/pageviews')
    parser.add_argument('--bills', default='inputs/bills')
    opts = parser.parse_args(argv)
    # mrjob's info and its warning that no mrjob.conf is in use are noise here
    logging.getLogger('mrjob').setLevel(logging.ERROR)

    results = {}
    jobs = plan(opts.pageviews, opts.bills, opts.out)
    for stale in {'hourly_views', 'daily_hourly_views'} - {name for name, _, _ in jobs}:
        # an earlier run's, over other inputs: a report must not mix it in
        shutil.rmtree(os.path.join(opts.out, stale), ignore_errors=True)
    for name, job_class, args in jobs:
        start = time.perf_counter()
        rows, counters = run(job_class, ['-r', opts.runner] + args,
                             os.path.join(opts.out, name))
        results[name] = rows
        print('%-22s %6d rows  %5.1f s  -> %s' % (
            name, len(rows), time.perf_counter() - start,
            os.path.join(opts.out, name)))
        # every pageview job reads the same files: show per-file counts once
        if name != 'page_views':
            counters = [{group: names for group, names in step.items()
                         if not group.startswith('file ') and group != SKIPPED}
                        for step in counters]
        for line in format_counters(counters):
            print('    ' + line)

    show('Top 10 words of the bills', results['bill_word_freq'])
    show('Top 10 pages', results['top_pages'])
    if results['bill_word_freq'] != results['packed_bill_word_freq']:
        sys.exit('packed bills gave other word counts than the files they came from')


if __name__ == '__main__':
    main()
