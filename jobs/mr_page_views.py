"""Count the views of every page (domain, title) in Wikipedia pageview dumps.

Output: ``domain<TAB>title<TAB>views``, most viewed first, then by domain and
title as bytes.

Sample command line:

    python -m jobs.mr_page_views inputs/pageviews/ --exclude-prefix Special: > page_views.tsv
"""
from mrjob.step import MRStep

from jobs.pageview_job import PageviewJob
from jobs.tally import descending


class MRPageViews(PageviewJob):

    def steps(self):
        return [
            MRStep(reducer_init=self.start_rows, reducer=self.sum_page_views,
                   reducer_final=self.end_rows, **self.count_step_kwargs()),
            MRStep(reducer=self.merge_rows),
        ]

    def sum_page_views(self, page, counts):
        views = self.total(counts)
        if views < self.options.min_views:
            return ()
        # page is "domain title": the row is "DIGITS domain title views"
        return self.add_row(b'%s %s %d' % (descending(views), page, views))


if __name__ == '__main__':
    MRPageViews.run()
