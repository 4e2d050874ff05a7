"""Find the most viewed pages in Wikipedia pageview dumps, overall or per domain.

Output: ``domain<TAB>title<TAB>views`` for the top ``--top N`` pages, most
viewed first (ties by domain, then title, as bytes); with ``--per-domain``, the
top N of each domain, domains in byte order.

Sample command line:

    python -m jobs.mr_top_pages inputs/pageviews/ --top 10 --per-domain
"""
from collections import defaultdict

from mrjob.step import MRStep

from jobs.pageview_job import RECORD_BYTES, RECORD_ROWS, PageviewJob, as_dict, bulk, by_partition
from jobs.rows import spans
from jobs.tally import at_least, descending, from_descending, keep_smallest
from jobs.topn import LIGHT, add_light_counts, bar, light_record, take_heavy

# how a map task sent its pages: light ones are only looked up (see jobs.topn)
GROUP = 'top pages'


class MRTopPages(PageviewJob):

    COLUMNS = (('domain', 'bytes'), ('title', 'bytes'), ('views', 'bigint'))

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg('--top', type=at_least(1), default=100, metavar='N',
                              help='how many pages to keep (default 100)')
        self.add_passthru_arg('--per-domain', action='store_true',
                              help='the top N of each domain')

    def steps(self):
        return [
            MRStep(reducer_init=self.start_ranking,
                   reducer=self.sum_views,
                   reducer_final=self.emit_best_pages,
                   **self.count_step_kwargs()),
            MRStep(reducer=self.write_top_pages),
        ]

    def sends_light(self):
        """How many map tasks there are, if this one sends most pages in
        light records; else None. Only where the number of tasks is known
        (see jobs.topn). A task that flushed holds parts of its counts, not
        its counts, so it sends every page whole: the bound still holds for
        the tasks that did not (every page of the top N is heavy in one of
        them, or sent whole by another), and a reducer holds only their
        light records."""
        tasks = self.map_tasks()
        return None if self.options.per_domain or self._flushed else tasks

    def records_of_views(self, views, partitions):
        tasks = self.sends_light()
        if not tasks:
            yield from super().records_of_views(views, partitions)
            return
        heavy = take_heavy(views, self.options.top, tasks)
        self.count_sent(len(heavy), len(views))
        yield from super().records_of_views(heavy, partitions)
        for partition, (keys, counts) in enumerate(by_partition(views, partitions)):
            for a, b in spans(keys, RECORD_ROWS, RECORD_BYTES):
                yield b'%d' % partition, light_record(keys[a:b], counts[a:b])

    def records_of_arrays(self, keys, counts, partitions):
        # as records_of_views, in bulk
        tasks = self.sends_light()
        if not tasks:
            yield from bulk.records(keys, counts, partitions, RECORD_ROWS, RECORD_BYTES)
            return
        heavy, light = bulk.heavy_and_light(keys, counts, self.options.top, tasks)
        self.count_sent(len(heavy[0]), len(light[0]))
        yield from bulk.records(*heavy, partitions, RECORD_ROWS, RECORD_BYTES)
        yield from bulk.light_records(*light, partitions, RECORD_ROWS, RECORD_BYTES)

    def count_sent(self, whole, light):
        self.increment_counter(GROUP, 'map tasks', 1)
        self.increment_counter(GROUP, 'pages sent whole', whole)
        self.increment_counter(GROUP, 'pages sent light', light)

    def sum_views(self, _, records):
        # light records are set aside for add_sums: summed_parts gives its
        # first part once every record is read, and so every light one
        self._light = []

        def whole():
            for record in records:
                if record.startswith(LIGHT):
                    self._light.append(record)
                else:
                    yield record
        return super().sum_views(_, whole())

    def add_sums(self, keys, views, large):
        if not self._light and not self.options.per_domain:
            # Every sum is whole: only those at least the top-th largest can
            # make the top, and the rest need not become Python objects. (A
            # light count could lift a page past it.)
            (keys, views), _ = bulk.heavy_and_light(keys, views, self.options.top, 1)
        return self.add_views(add_light_counts(as_dict(keys, views, large), self._light))

    def start_ranking(self):
        # sort records of the best pages seen by this reducer, per group
        self._best = defaultdict(list)

    def add_views(self, views):
        top, least = self.options.top, self.options.min_views
        if not self.options.per_domain:
            # pages below the top-th largest count cannot make the top
            least = max(least, bar(views.values(), top))
        for page, n in views.items():
            if n < least:
                continue
            domain, title = page.split(b' ', 1)
            if self.options.per_domain:
                best = self._best[domain]
                best.append(domain + b' ' + descending(n) + b' ' + title)
            else:
                best = self._best[b'']
                best.append(descending(n) + b' ' + page)
            if len(best) >= 2 * top + 1000:
                keep_smallest(best, top)
        return ()

    def emit_best_pages(self):
        for best in self._best.values():
            keep_smallest(best, self.options.top)
            for record in best:
                yield b'', record

    def write_top_pages(self, _, ranked):
        top = self.options.top
        group, rank = None, 0
        for record in ranked:
            if self.options.per_domain:
                domain, digits, title = record.split(b' ', 2)
                if domain != group:
                    group, rank = domain, 0
            else:
                digits, domain, title = record.split(b' ', 2)
            rank += 1
            if rank <= top:
                yield None, b'%s\t%s\t%d' % (domain, title, from_descending(digits))


if __name__ == '__main__':
    MRTopPages.run()
