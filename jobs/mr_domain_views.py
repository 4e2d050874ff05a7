"""Count the views and distinct pages of every domain in Wikipedia pageview dumps.

Output: ``domain<TAB>views<TAB>distinct_titles``, most viewed first, then by
domain as bytes.

Sample command line:

    python -m jobs.mr_domain_views inputs/pageviews/ --min-views 100
"""
from collections import defaultdict

from mrjob.step import MRStep

from jobs.pageview_job import (RECORD_BYTES, RECORD_ROWS, PageviewJob, bulk, by_partition,
                               spilled_parts)
from jobs.rows import SEP, spans
from jobs.spill import Spill
from jobs.tally import descending


class MRDomainViews(PageviewJob):

    COLUMNS = (('domain', 'bytes'), ('views', 'bigint'), ('distinct_titles', 'bigint'))

    def steps(self):
        return [
            MRStep(reducer_init=self.start_domains, reducer=self.count_domain_titles,
                   reducer_final=self.emit_domains, **self.count_step_kwargs()),
            MRStep(reducer=self.write_domains),
        ]

    def records_of_views(self, views, partitions):
        # Per partition (of pages) and domain: the domain's views here and
        # its titles, which a reducer only has to put in a set: a page is in
        # one partition, so the distinct titles of the partitions add up.
        for partition, (pages, counts) in enumerate(by_partition(views, partitions)):
            domains = defaultdict(lambda: [0, []])
            for page, n in zip(pages, counts):
                domain, title = page.split(b' ', 1)
                sums = domains[domain]
                sums[0] += n
                sums[1].append(title)
            for domain, (n, titles) in domains.items():
                for a, b in spans(titles, RECORD_ROWS, RECORD_BYTES):
                    yield b'%d' % partition, b'%s %d %s' % (domain, 0 if a else n,
                                                          SEP.join(titles[a:b]))

    def records_of_arrays(self, keys, counts, partitions):
        # as records_of_views, in bulk
        return bulk.domain_records(keys, counts, partitions, RECORD_ROWS, RECORD_BYTES)

    def start_domains(self):
        # views and distinct titles of each domain, over this reducer's pages
        self._domains = defaultdict(lambda: [0, 0])

    def count_domain_titles(self, _, records):
        views = defaultdict(int)

        def titles():
            for record in records:
                domain, n, some = record.split(b' ', 2)
                views[domain] += int(n)
                yield domain, some
        for part, distinct in enumerate(distinct_titles(titles(), self.reduce_budget())):
            if part == 1:
                self.increment_counter('memory', 'partitions summed in parts', 1)
            for domain, n in distinct.items():
                self._domains[domain][1] += n
        for domain, n in views.items():
            self._domains[domain][0] += n
        return ()

    def emit_domains(self):
        for domain, (views, titles) in self._domains.items():
            yield b'', b'%s %d %d' % (domain, views, titles)

    def write_domains(self, _, counts):
        totals = defaultdict(lambda: [0, 0])
        for record in counts:
            domain, views, titles = record.split(b' ')
            sums = totals[domain]
            sums[0] += int(views)
            sums[1] += int(titles)
        rows = sorted(b'%s %s %d %d' % (descending(views), domain, views, titles)
                      for domain, (views, titles) in totals.items()
                      if views >= self.options.min_views)
        if rows:
            yield None, self.format_rows(rows)


def distinct_titles(groups, budget=None):
    """{domain: distinct titles} dicts over ``groups`` of ``(domain,
    titles)`` (titles joined by SEP), which add up to the distinct titles of
    each domain: a page counts in one of them. Titles are held in sets until
    they outweigh ``budget`` (jobs.spill.Budget); then every page, held or
    still to come, is spread over files in bulk as a row ``domain title 0``,
    and each file's distinct pages are counted in Arrow
    (jobs.pageview_job.spilled_parts)."""
    titles, held = defaultdict(set), 0
    groups = iter(groups)
    for domain, some in groups:
        some = some.split(SEP)
        seen = titles[domain]
        before = len(seen)
        seen.update(some)
        new = len(seen) - before
        if budget and new:
            # the new titles' bytes, as the group's on average
            held += budget.weight(new, new * sum(map(len, some)) / len(some))
            if held > budget.most:
                break
    else:
        yield {domain: len(seen) for domain, seen in titles.items()}
        return
    spill = Spill()
    spill.add(bulk.spread_records(page_rows(titles, groups), spill.shift, spill.ways))
    for pages, _, _ in spilled_parts(spill, budget):
        yield bulk.count_by_domain(pages)


def page_rows(titles, groups):
    """Records of rows ``domain title 0`` (jobs.pageview_job's ``key views``,
    joined by SEP) of every page of ``titles`` ({domain: set of titles},
    emptied as it goes) and of ``groups``, as distinct_titles takes them."""
    while titles:
        domain, seen = titles.popitem()
        seen = list(seen)
        for a, b in spans(seen, RECORD_ROWS, RECORD_BYTES):
            yield _rows_of_titles(domain, SEP.join(seen[a:b]))
    for domain, some in groups:
        yield _rows_of_titles(domain, some)


def _rows_of_titles(domain, titles):
    # each title after its domain, with no views
    return b'%s %s 0' % (domain, titles.replace(SEP, b' 0%s%s ' % (SEP, domain)))


if __name__ == '__main__':
    MRDomainViews.run()
