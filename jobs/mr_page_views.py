"""Count the views of every page (domain, title) in Wikipedia pageview dumps.

Output: ``domain<TAB>title<TAB>views``, most viewed first, then by domain and
title as bytes.

Sample command line:

    python -m jobs.mr_page_views inputs/pageviews/ --exclude-prefix Special: > page_views.tsv
"""
from mrjob.step import MRStep

from jobs.pageview_job import PageviewJob, bulk
from jobs.tally import descending


class MRPageViews(PageviewJob):

    COLUMNS = (('domain', 'bytes'), ('title', 'bytes'), ('views', 'bigint'))

    def steps(self):
        return [
            MRStep(reducer_init=self.start_rows, reducer=self.sum_views,
                   reducer_final=self.end_rows, **self.count_step_kwargs()),
            MRStep(reducer=self.merge_rows),
        ]

    def add_sums(self, keys, views, large):
        if large:
            return super().add_sums(keys, views, large)
        # sorted in Arrow, each part a run of its own
        return ((b'', chunk) for chunk in bulk.ranked_chunks(keys, views, self.options.min_views))

    def add_views(self, views):
        least = self.options.min_views
        # a page is "domain title": a row is "DIGITS domain title views"
        return self.add_rows([b'%s %s %d' % (descending(n), page, n)
                              for page, n in views.items() if n >= least])


if __name__ == '__main__':
    MRPageViews.run()
