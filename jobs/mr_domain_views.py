"""Count the views and distinct pages of every domain in Wikipedia pageview dumps.

Output: ``domain<TAB>views<TAB>distinct_titles``, most viewed first, then by
domain as bytes.

Sample command line:

    python -m jobs.mr_domain_views inputs/pageviews/ --min-views 100
"""
from collections import defaultdict

from mrjob.step import MRStep

from jobs.pageview_job import PageviewJob
from jobs.tally import descending


class MRDomainViews(PageviewJob):

    def steps(self):
        return [
            MRStep(reducer_init=self.start_domains, reducer=self.sum_views,
                   reducer_final=self.emit_domains, **self.count_step_kwargs()),
            MRStep(reducer_init=self.start_rows, reducer=self.rank_domain,
                   reducer_final=self.end_rows),
            MRStep(reducer=self.merge_rows),
        ]

    def start_domains(self):
        # views and distinct titles of each domain, over this reducer's pages
        self._domains = defaultdict(lambda: [0, 0])

    def add_views(self, views):
        domains = self._domains
        for page, n in views.items():
            sums = domains[page.split(b' ', 1)[0]]
            sums[0] += n
            sums[1] += 1
        return ()

    def emit_domains(self):
        for domain, (views, titles) in self._domains.items():
            yield domain, b'%d %d' % (views, titles)

    def rank_domain(self, domain, pairs):
        views = titles = 0
        for pair in pairs:
            v, t = pair.split(b' ')
            views += int(v)
            titles += int(t)
        if views < self.options.min_views:
            return ()
        return self.add_rows([b'%s %s %d %d' % (descending(views), domain, views, titles)])


if __name__ == '__main__':
    MRDomainViews.run()
