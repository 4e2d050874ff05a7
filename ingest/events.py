"""One pageview event, as it travels through Kinesis, and the dump lines it
becomes.

An event is one line of ASCII-and-bytes: ``<unix seconds> <domain> <title>``.
Domain and title follow the dumps' own rules (:func:`jobs.pageviews.parse_pageview`
decides, on the dump line the event will become), so what the consumer writes
is what the batch jobs count. A Kinesis record holds many events, newline-joined.

Sample command line (none: imported by ingest.sender and ingest.consumer).
"""
import functools
import gzip
import time
from collections import Counter

from jobs.pageviews import Malformed, parse_pageview

__all__ = ['BadEvent', 'page', 'event', 'event_of', 'parse_event', 'hour_of', 'dump_file']


class BadEvent(ValueError):
    """An event we refuse; ``str()`` says why, in one line."""


def _checked(domain, title):
    # pages repeat (a few are most of the views): each is judged once while it is in the cache
    reason = _reason(domain, title) if len(domain) + len(title) <= CACHED_PAGE else _reason.__wrapped__(
        domain, title)
    if reason:
        raise BadEvent(reason)


CACHED_PAGE = 512


@functools.lru_cache(maxsize=1 << 16)
def _reason(domain, title):
    """Why a domain and title make no dump line, or None."""
    try:
        parse_pageview(b'%s %s 1 0' % (domain, title))
    except Malformed as e:
        return str(e)
    return None


def page(domain, title):
    """``domain title``, as an event holds them; BadEvent if no dump line could."""
    _checked(domain, title)
    return b'%s %s' % (domain, title)


def event_of(page, when=None):
    """The bytes of one event (without its newline) of a :func:`page`."""
    return b'%d %s' % (int(time.time() if when is None else when), page)


def event(domain, title, when=None):
    """The bytes of one event (without its newline)."""
    return event_of(page(domain, title), when)


def parse_event(line):
    """``(seconds, domain, title)`` of an event line; BadEvent if it is not one."""
    fields = line.rstrip(b'\n').split(b' ')
    if len(fields) != 3 or not fields[0].isdigit():
        raise BadEvent('not "<seconds> <domain> <title>"')
    domain, title = fields[1], fields[2]
    _checked(domain, title)
    return int(fields[0]), domain, title


def hour_of(seconds):
    """``'YYYYMMDD-HH'`` (UTC) of a timestamp: the dump file it goes into."""
    return time.strftime('%Y%m%d-%H', time.gmtime(seconds))


def dump_file(events):
    """The gzipped dump file of events (``(domain, title)`` pairs): one line
    per page, ``domain title views 0``, sorted, and byte for byte the same for
    the same events (no time stamp in the gzip header)."""
    counts = Counter(events)
    body = b''.join(b'%s %s %d 0\n' % (d, t, n) for (d, t), n in sorted(counts.items()))
    return gzip.compress(body, mtime=0)
