"""Count the views of every page (domain, title) in Wikipedia pageview dumps.

Output: ``domain<TAB>title<TAB>views``, most viewed first, then by domain and
title as bytes.

Sample command line:

    python -m jobs.mr_page_views inputs/pageviews/ --exclude-prefix Special: > page_views.tsv
"""
from mrjob.step import MRStep

from jobs.pageview_job import PageviewJob
from jobs.tally import descending, from_descending


class MRPageViews(PageviewJob):

    def steps(self):
        return [
            MRStep(reducer=self.sum_page_views, **self.count_step_kwargs()),
            MRStep(reducer=self.write_pages),
        ]

    def sum_page_views(self, page, counts):
        views = self.total(counts)
        if views >= self.options.min_views:
            yield b'', descending(views) + b' ' + page

    def write_pages(self, _, ranked):
        for record in ranked:
            digits, domain, title = record.split(b' ', 2)
            yield None, b'%s\t%s\t%d' % (domain, title, from_descending(digits))


if __name__ == '__main__':
    MRPageViews.run()
