"""Base of the pageview jobs: parse, filter and sum views in the mapper.

Each map task keeps one dict of views per key and emits it once at the end
(in-mapper combining), and keeps its counters in memory too: mrjob writes a
line to stderr for every counter increment.

Every line read is counted once: counted, filtered out, without an hour, or
malformed (by reason), in the ``pageviews`` counter group and, on the local
runners, in a ``file NAME`` group per input file.
"""
import posixpath
from collections import Counter, defaultdict

from mrjob.compat import jobconf_from_env

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
        self._file = posixpath.basename(self.input_file()) or 'stdin'
        # A task reads one split of one file, and knows line numbers only from
        # the start of its split: bad records of a split that starts at byte
        # S > 0 of the file go to NAME@S, numbered from there.
        start = jobconf_from_env('mapreduce.map.input.start', '0') or '0'
        self._bad = self.open_bad_records(
            self._file if start == '0' else '%s@%s' % (self._file, start))

    def count_views(self, _, line):
        stats = self._stats
        stats['lines read'] += 1
        try:
            domain, title, views, hourly = parse_pageview(line)
        except Malformed as e:
            stats['malformed: %s' % e] += 1
            if self._bad:
                self._bad.add_line(line, stats['lines read'], str(e))
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
            if self.wants_file_counters():
                self.increment_counter('file ' + self._file, name.split(':')[0], n)
        if self._bad:
            self._bad.close()

    def count_step_kwargs(self):
        """The mapper half of every pageview job's first step."""
        return dict(mapper_init=self.start_counting, mapper=self.count_views,
                    mapper_final=self.emit_views)

    @staticmethod
    def total(counts):
        return sum(map(int, counts))
