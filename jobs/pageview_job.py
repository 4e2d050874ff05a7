"""Base of the pageview jobs: parse, filter and sum views in the mapper.

Each map task keeps one dict of views per key and emits it once at the end
(in-mapper combining), and keeps its counters in memory too: mrjob writes a
line to stderr for every counter increment.
"""
from collections import Counter, defaultdict

from jobs.pageviews import Malformed, parse_pageview
from jobs.tally import TallyJob

__all__ = ['PageviewJob']

GROUP = 'pageviews'


class PageviewJob(TallyJob):
    """Subclasses say how a page's views are keyed (:meth:`keys_of`) and what
    their steps do with the sums."""

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg(
            '--domain', action='append', default=[], metavar='CODE',
            help='count only this domain code (e.g. en, de.m); repeatable')
        self.add_passthru_arg(
            '--exclude-prefix', action='append', default=[], metavar='P',
            help='drop titles that start with P (e.g. Special:); repeatable')
        self.add_passthru_arg(
            '--min-views', type=int, default=0, metavar='N',
            help='leave out rows with fewer than N views')

    def keys_of(self, domain, title, views, hourly):
        """Yield ``(key, views)`` for one valid line; no key may hold a tab."""
        yield domain + b' ' + title, views

    def start_counting(self):
        self._views = defaultdict(int)
        self._stats = Counter()
        self._domains = frozenset(d.encode() for d in self.options.domain)
        self._excluded = tuple(p.encode() for p in self.options.exclude_prefix)

    def count_views(self, _, line):
        stats = self._stats
        stats['lines read'] += 1
        try:
            domain, title, views, hourly = parse_pageview(line)
        except Malformed as e:
            stats['malformed: %s' % e] += 1
            return
        if ((self._domains and domain not in self._domains)
                or (self._excluded and title.startswith(self._excluded))):
            stats['lines filtered out'] += 1
            return
        counted = False
        for key, n in self.keys_of(domain, title, views, hourly):
            self._views[key] += n
            counted = True
        stats['lines counted' if counted else 'lines without an hour'] += 1
        # a generator: mrjob calls it for every line and expects an iterable
        return
        yield

    def emit_views(self):
        for key, views in self._views.items():
            yield key, b'%d' % views
        for name, n in self._stats.items():
            self.increment_counter(GROUP, name, n)

    def count_step_kwargs(self):
        """The mapper half of every pageview job's first step."""
        return dict(mapper_init=self.start_counting, mapper=self.count_views,
                    mapper_final=self.emit_views)

    @staticmethod
    def total(counts):
        return sum(map(int, counts))
