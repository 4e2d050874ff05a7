"""Count the views and distinct pages of every domain in Wikipedia pageview dumps.

Output: ``domain<TAB>views<TAB>distinct_titles``, most viewed first, then by
domain as bytes.

Sample command line:

    python -m jobs.mr_domain_views inputs/pageviews/ --min-views 100
"""
from mrjob.step import MRStep

from jobs.pageview_job import PageviewJob
from jobs.tally import descending


class MRDomainViews(PageviewJob):

    def steps(self):
        return [
            MRStep(reducer=self.sum_page_views, **self.count_step_kwargs()),
            MRStep(combiner=self.sum_domain_views, reducer_init=self.start_rows,
                   reducer=self.rank_domain, reducer_final=self.end_rows),
            MRStep(reducer=self.merge_rows),
        ]

    def sum_page_views(self, page, counts):
        domain, _ = page.split(b' ', 1)
        yield domain, b'%d 1' % self.total(counts)

    @staticmethod
    def _sum_pairs(pairs):
        views = titles = 0
        for pair in pairs:
            v, t = pair.split(b' ')
            views += int(v)
            titles += int(t)
        return views, titles

    def sum_domain_views(self, domain, pairs):
        yield domain, b'%d %d' % self._sum_pairs(pairs)

    def rank_domain(self, domain, pairs):
        views, titles = self._sum_pairs(pairs)
        if views < self.options.min_views:
            return ()
        return self.add_row(b'%s %s %d %d' % (descending(views), domain, views, titles))


if __name__ == '__main__':
    MRDomainViews.run()
