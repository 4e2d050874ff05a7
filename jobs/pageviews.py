"""Parse lines of the Wikimedia pageview dumps, byte for byte.

Three datasets share two line shapes (fields split on single spaces):

* 4 fields, ``domain_code page_title count_views total_response_size``: the hourly
  ``pageviews-YYYYMMDD-HH0000.gz`` files and the older pagecounts-raw and
  pagecounts-all-sites files.
* 6 fields, ``wiki_code page_title page_id access_method daily_total hourly_counts``:
  the daily pageviews-complete ``pageviews-YYYYMMDD-{user,automated,spider}.bz2``
  files, where ``hourly_counts`` is letter+count pairs (``A`` is hour 00, ``X`` hour 23).

Domain and title stay bytes, never decoded: the dumps hold invalid UTF-8, CP1251
percent-escapes and worse, and totals must reconcile with the source.
"""
import re
from urllib.parse import unquote_to_bytes

__all__ = ['Malformed', 'parse_pageview', 'hourly_counts', 'hour_of_file',
           'title_for_people']

# counts must fit Hive's BIGINT, so that every consumer of our output can load it
MAX_COUNT = 2 ** 63 - 1

ACCESS_METHODS = frozenset([b'desktop', b'mobile-web', b'mobile-app'])

# Control bytes cannot occur in a page title or domain code (MediaWiki forbids them)
# and a tab would break our tab-separated output, so a line holding one is malformed.
# That also keeps a space (0x20) the smallest byte of any field, which is what makes
# space-joined sort keys order like (domain, title) tuples.
_CONTROL = re.compile(rb'[\x00-\x1f]')
_HOURLY = re.compile(rb'(?:[A-X][0-9]+)+')
_HOUR_PAIR = re.compile(rb'([A-X])([0-9]+)')
# an hourly file may carry a suffix after its hour, as the streamed ones do
# (pageviews-20240101-130000-<shard>-<sequence number>.gz, by ingest.consumer)
_HOURLY_FILE = re.compile(r'(?:pageviews|pagecounts)-(\d{4})(\d{2})(\d{2})-(\d{2})\d{4}(?:-[0-9A-Za-z]+)*'
                          r'(?:\.gz)?$')
_DAILY_FILE = re.compile(r'pageviews-(\d{4})(\d{2})(\d{2})-[a-z]+(?:\.bz2)?$')


# The lines of 4 fields that parse_pageview takes, as one regular expression for
# SQL engines (jobs.warehouse): fields without spaces or control bytes, two
# runs of digits. What it cannot say, that views fit a BIGINT, the engine
# checks by casting. A test holds the two to the same answers.
HOURLY_LINE = re.compile(rb'([^ \x00-\x1f]+) ([^ \x00-\x1f]+) ([0-9]+) ([0-9]+)')
# and the lines of 6 fields, less the rule that the hourly counts add up to the
# daily total, which a regular expression cannot check
DAILY_LINE = re.compile(rb'([^ \x00-\x1f]+) ([^ \x00-\x1f]+) ([0-9]+|null) (%s) ([0-9]+) (%s)'
                        % (b'|'.join(sorted(ACCESS_METHODS)), _HOURLY.pattern))


class Malformed(ValueError):
    """A line that is not a pageview record; ``str()`` is the reason, for counters."""


def _count(field, what):
    # bytes.isdigit() is ASCII-only: no signs, spaces, or Unicode digits slip through
    if not field.isdigit():
        raise Malformed('%s not a number' % what)
    n = int(field)
    if n > MAX_COUNT:
        raise Malformed('%s too large' % what)
    return n


def parse_pageview(line):
    """Parse one line (bytes, with or without its line end).

    Returns ``(domain, title, views, hourly)``, where ``hourly`` is the raw
    ``hourly_counts`` field of a 6-field line and None for a 4-field one.
    Raises Malformed, whose message names the reason, for anything else.
    """
    if line.endswith(b'\n'):
        line = line[:-1]
    if line.endswith(b'\r'):
        line = line[:-1]
    if _CONTROL.search(line):
        raise Malformed('control character')
    fields = line.split(b' ')
    if len(fields) == 4:
        domain, title, views, size = fields
        hourly = None
        # never used, so any number of digits will do: its views still count
        if not size.isdigit():
            raise Malformed('response size not a number')
    elif len(fields) == 6:
        domain, title, page_id, access, views, hourly = fields
        if not (page_id.isdigit() or page_id == b'null'):
            raise Malformed('page id not a number')
        if access not in ACCESS_METHODS:
            raise Malformed('unknown access method')
        if not _HOURLY.fullmatch(hourly):
            raise Malformed('hourly counts not letter+count pairs')
    else:
        raise Malformed('wrong number of fields')
    if not domain or not title:
        raise Malformed('empty domain or title')
    views = _count(views, 'views')
    if hourly is not None and sum(n for _, n in hourly_counts(hourly)) != views:
        raise Malformed('hourly counts do not add up to daily total')
    return domain, title, views, hourly


def hourly_counts(field):
    """Yield ``(hour, count)`` from a pageviews-complete ``hourly_counts`` field
    such as ``b'A1C3X12'``; hours repeat if the field repeats a letter."""
    for letter, count in _HOUR_PAIR.findall(field):
        yield letter[0] - ord('A'), int(count)


def hour_of_file(path):
    """The hour a dump file covers, as ``'YYYY-MM-DDTHH'``, from its name.

    Hourly files (``pageviews-20240101-130000.gz``) give their hour; daily
    pageviews-complete files (``pageviews-20240101-user.bz2``) give
    ``'YYYY-MM-DDT'``, to which the hour of each count is appended. Any other
    name gives None.
    """
    name = path.rstrip('/').rsplit('/', 1)[-1]
    m = _HOURLY_FILE.search(name)
    if m:
        return '%s-%s-%sT%s' % m.groups()
    m = _DAILY_FILE.search(name)
    if m:
        return '%s-%s-%sT' % m.groups()
    return None


def is_daily_file(path):
    """Whether ``path`` names a daily pageviews-complete file, whose lines
    hold a day of hourly counts."""
    return bool(_DAILY_FILE.search(path.rstrip('/').rsplit('/', 1)[-1]))


def title_for_people(title):
    """A dump title (bytes) as people read it: percent-decoded, underscores as
    spaces; bytes that are not UTF-8 are shown as escapes, not dropped."""
    return unquote_to_bytes(title).decode('utf-8', 'backslashreplace').replace('_', ' ')
