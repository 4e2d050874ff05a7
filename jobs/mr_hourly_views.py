"""Count the views of every domain in every hour of Wikipedia pageview dumps.

The hour comes from the name of an hourly file (``pageviews-20240101-130000.gz``,
``pagecounts-20120101-130000``) or, in a daily pageviews-complete file
(``pageviews-20240101-user.bz2``), from each line's hourly counts. Lines of
files named otherwise are counted as ``lines without an hour``.

Output: ``YYYY-MM-DDTHH<TAB>domain<TAB>views``, in hour order, then most viewed
first, then by domain as bytes.

Sample command line:

    python -m jobs.mr_hourly_views inputs/pageviews/ --domain en --domain en.m
"""
from mrjob.step import MRStep

from jobs.pageview_job import PageviewJob
from jobs.pageviews import hour_of_file, hourly_counts
from jobs.tally import descending


class MRHourlyViews(PageviewJob):

    COLUMNS = (('hour', 'string'), ('domain', 'bytes'), ('views', 'bigint'))

    def hint(self, looks):
        if looks == 'a pageview dump':
            return 'no hour in its name (pageviews-YYYYMMDD-HH0000, or a daily file)'
        return super().hint(looks)

    def needs_input_file(self):
        return True

    def steps(self):
        return [
            MRStep(reducer_init=self.start_rows, reducer=self.sum_views,
                   reducer_final=self.end_rows, **self.count_step_kwargs()),
            MRStep(reducer=self.merge_rows),
        ]

    def start_file(self, name, records_name=None):
        super().start_file(name, records_name)
        # a line task reads part of a single file (Hadoop, Spark and mrjob's
        # local runners alike)
        hour = hour_of_file(name)
        self._hour = hour.encode() if hour else b''

    def keys_of(self, domain, title, views, hourly):
        hour = self._hour
        if hourly is None:
            if len(hour) == len(b'YYYY-MM-DDTHH'):
                yield hour + b' ' + domain, views
        elif len(hour) == len(b'YYYY-MM-DDT'):
            for h, n in hourly_counts(hourly):
                yield b'%s%02d %s' % (hour, h, domain), n

    def bulk_keys(self):
        # the lines of an hourly file, keyed as keys_of keys them
        if self._domains or self._excluded or len(self._hour) != len(b'YYYY-MM-DDTHH'):
            return None
        return True, self._hour + b' '

    def add_views(self, views):
        rows = []
        for key, n in views.items():
            if n >= self.options.min_views:
                hour, domain = key.split(b' ')
                rows.append(b'%s %s %s %d' % (hour, descending(n), domain, n))
        return self.add_rows(rows)

    def format_rows(self, rows):
        # "HOUR DIGITS domain views" -> "HOUR<TAB>domain<TAB>views"
        return b'\n'.join([b'%s\t%s\t%s' % (hour, domain, views) for hour, _, domain, views
                           in (row.split(b' ') for row in rows)])


if __name__ == '__main__':
    MRHourlyViews.run()
