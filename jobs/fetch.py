"""Fetch real data: Wikimedia pageview dumps and govinfo's bill bulk data.

Safe to interrupt and rerun: a file is written under a temporary name and
renamed only when it is complete and verified (against the dumps' published
``md5sums.txt``/``sha1sums.txt`` where they exist, and as a whole ``.gz``,
``.bz2`` or ``.zip``); a rerun skips complete files and resumes partial ones
with HTTP Range requests. Connection errors and 5xx answers are retried with
backoff; a missing file (404) is reported and the rest goes on.

Sample command lines:

    python -m jobs.fetch pageviews --start 2024-01-01T00 --end 2024-01-01T23 --dest data/pageviews/
    python -m jobs.fetch bills --congress 113 --type hr --type s --dest data/bills/
"""
import argparse
import datetime
import hashlib
import http.client
import os
import posixpath
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from jobs.inputs import damage_of

DUMPS = 'https://dumps.wikimedia.org'
GOVINFO = 'https://www.govinfo.gov/bulkdata'
USER_AGENT = 'mrtally/0.1.0 (frequency reports over public dumps; Python urllib)'
CHECKSUM_FILES = (('md5sums.txt', 'md5'), ('sha1sums.txt', 'sha1'))
_CHUNK = 1 << 16

# dataset -> (directory under the base URL, file name pattern for an hour or day)
DATASETS = {
    'pageviews': ('other/pageviews', 'pageviews-%Y%m%d-%H0000.gz'),
    'pagecounts-raw': ('other/pagecounts-raw', 'pagecounts-%Y%m%d-%H0000.gz'),
    'pageviews-complete': ('other/pageview_complete', 'pageviews-%Y%m%d-{agent}.bz2'),
}


@dataclass(frozen=True)
class Item:
    """One file to fetch: its URL and the name it gets in the destination."""
    url: str
    name: str

    @property
    def directory(self):
        return self.url.rsplit('/', 1)[0]


def _steps(start, end, step):
    when = start
    while when <= end:
        yield when
        when += step


def pageview_items(dataset, start, end, base=DUMPS, agent='user'):
    """The files of a pageview dataset from ``start`` to ``end`` (datetimes,
    both included): one per hour, or one per day for pageviews-complete."""
    directory, pattern = DATASETS[dataset]
    if dataset == 'pageviews-complete':
        start, step = start.replace(hour=0), datetime.timedelta(days=1)
    else:
        step = datetime.timedelta(hours=1)
    items = []
    for when in _steps(start, end, step):
        name = when.strftime(pattern).replace('{agent}', agent)
        url = '%s/%s/%s/%s/%s' % (base.rstrip('/'), directory, when.strftime('%Y'),
                                  when.strftime('%Y-%m'), name)
        items.append(Item(url, name))
    return items


def bill_items(congress, types, sessions=(1, 2), base=GOVINFO):
    """govinfo's BILLS bulk archives: one ``.zip`` per congress, session and
    bill type (``hr``, ``s``, ``hres``, ...)."""
    items = []
    for session in sessions:
        for kind in types:
            name = 'BILLS-%d-%d-%s.zip' % (congress, session, kind)
            url = '%s/BILLS/%d/%d/%s/%s' % (base.rstrip('/'), congress, session, kind, name)
            items.append(Item(url, name))
    return items


def parse_checksums(text, algorithm):
    """``{file name: (algorithm, hex digest)}`` from a ``md5sums.txt``-style
    listing (``digest  name`` per line)."""
    sums = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and re.fullmatch(r'[0-9a-fA-F]{32,128}', parts[0]):
            sums[posixpath.basename(parts[1].lstrip('*'))] = (algorithm, parts[0].lower())
    return sums


def resolve_names(items, checksums):
    """pagecounts-raw hours are not always named ``HH0000`` (a dump may end
    at ``HH0001``): take the name the listing has for the same hour."""
    resolved = []
    for item in items:
        if item.name not in checksums and item.name.startswith('pagecounts-'):
            prefix = item.name[:len('pagecounts-YYYYMMDD-HH')]
            others = sorted(n for n in checksums if n.startswith(prefix) and n.endswith('.gz'))
            if others:
                item = Item(item.directory + '/' + others[0], others[0])
        resolved.append(item)
    return resolved


class Fetcher:
    """Downloads with resume, retries, verification and progress bars."""

    def __init__(self, dest, retries=5, backoff=1.0, jobs=2, timeout=60, quiet=False):
        self.dest = dest
        self.retries = retries
        self.backoff = backoff
        self.jobs = jobs
        self.timeout = timeout
        self.quiet = quiet
        self._checksums = {}
        self._lock = threading.Lock()
        self._slots = list(range(1, jobs + 1))

    def _open(self, url, offset=0):
        request = urllib.request.Request(url, headers={'User-Agent': USER_AGENT})
        if offset:
            request.add_header('Range', 'bytes=%d-' % offset)
        return urllib.request.urlopen(request, timeout=self.timeout)

    def _with_retries(self, what, attempt):
        """Call ``attempt()`` until it returns; retry connection errors and
        5xx answers with exponential backoff; let 4xx through."""
        for n in range(self.retries + 1):
            try:
                return attempt()
            except urllib.error.HTTPError as e:
                if e.code < 500:
                    raise
                error = 'HTTP %d' % e.code
            except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
                error = str(getattr(e, 'reason', e)) or type(e).__name__
            if n < self.retries:
                time.sleep(self.backoff * 2 ** n)
        raise FetchError('%s: gave up after %d tries: %s' % (what, self.retries + 1, error))

    def checksums(self, directory):
        """The published checksums of a directory (cached), or {}."""
        with self._lock:
            if directory in self._checksums:
                return self._checksums[directory]
        sums = {}
        for name, algorithm in CHECKSUM_FILES:
            url = directory + '/' + name
            try:
                text = self._with_retries(url, lambda: self._open(url).read().decode('utf-8', 'replace'))
            except (FetchError, urllib.error.HTTPError):
                continue
            sums = parse_checksums(text, algorithm)
            if sums:
                break
        with self._lock:
            self._checksums[directory] = sums
        return sums

    def fetch(self, item):
        """Fetch one item; return ``(status, message)``, status one of
        fetched, present, missing, failed."""
        final = os.path.join(self.dest, item.name)
        if os.path.exists(final):
            return 'present', final
        expected = self.checksums(item.directory).get(item.name)
        part = os.path.join(self.dest, '.%s.part' % item.name)
        try:
            for n in range(self.retries + 1):
                self._with_retries(item.url, lambda: self._download(item, part))
                problem = self._verify(part, item.name, expected)
                if problem is None:
                    os.replace(part, final)
                    return 'fetched', final
                os.remove(part)  # a bad whole file: start again from nothing
            return 'failed', '%s: %s after %d downloads' % (item.url, problem, self.retries + 1)
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return 'missing', '%s: not found (404)' % item.url
            return 'failed', '%s: HTTP %d' % (item.url, e.code)
        except FetchError as e:
            return 'failed', str(e)

    def _download(self, item, part):
        offset = os.path.getsize(part) if os.path.exists(part) else 0
        try:
            response = self._open(item.url, offset)
        except urllib.error.HTTPError as e:
            if e.code == 416 and offset:  # nothing left to send: whole already
                return
            raise
        with response:
            if response.status != 206:  # the server ignored our Range
                offset = 0
            length = response.headers.get('Content-Length')
            total = offset + int(length) if length is not None else None
            with self._bar(item.name, total, offset) as bar, \
                    open(part, 'ab' if offset else 'wb') as f:
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    f.write(chunk)
                    bar.update(len(chunk))
        if total is not None and os.path.getsize(part) < total:
            raise http.client.IncompleteRead(b'', total - os.path.getsize(part))

    @staticmethod
    def _verify(path, name, expected):
        if expected is not None:
            algorithm, digest = expected
            h = hashlib.new(algorithm)
            with open(path, 'rb') as f:
                for chunk in iter(lambda: f.read(1 << 20), b''):
                    h.update(chunk)
            if h.hexdigest() != digest:
                return '%s checksum mismatch' % algorithm
        if name.endswith(('.gz', '.bz2', '.zip')):
            damage = damage_of(path)
            if damage:
                return 'damaged: %s' % damage
        return None

    def _bar(self, name, total, initial):
        from tqdm import tqdm
        with self._lock:
            slot = self._slots.pop(0) if self._slots else 0
        bar = tqdm(total=total, initial=initial, desc=name, unit='B', unit_scale=True,
                   position=slot, leave=False, disable=self.quiet, file=sys.stderr)

        class Bar:
            def __enter__(_):
                return bar

            def __exit__(_, *exc):
                bar.close()
                with self._lock:
                    if slot:
                        self._slots.append(slot)
        return Bar()

    def fetch_all(self, items):
        """Fetch items in parallel (``jobs`` at a time); return their results
        in order."""
        from tqdm import tqdm
        os.makedirs(self.dest, exist_ok=True)
        failed = 0
        # the bar counts files that are here; a failed one is shown as such,
        # never as progress
        with tqdm(total=len(items), desc='files', unit='file', position=0,
                  disable=self.quiet, file=sys.stderr) as overall, \
                ThreadPoolExecutor(self.jobs) as pool:
            def one(item):
                nonlocal failed
                result = self.fetch(item)
                with self._lock:
                    if result[0] in ('fetched', 'present'):
                        overall.update(1)
                    else:
                        failed += 1
                        overall.set_postfix_str('%d failed or missing' % failed)
                return result
            return list(pool.map(one, items))


class FetchError(Exception):
    """A download that failed for good; the message says which and why."""


def upload(paths, target):
    """Copy local files to ``s3://bucket/prefix/``, skipping objects already
    there with the same size. Returns the URIs written."""
    import boto3
    bucket, _, prefix = target[len('s3://'):].partition('/')
    s3 = boto3.client('s3')
    written = []
    for path in paths:
        key = prefix.rstrip('/') + '/' + os.path.basename(path) if prefix else os.path.basename(path)
        try:
            same = s3.head_object(Bucket=bucket, Key=key)['ContentLength'] == os.path.getsize(path)
        except s3.exceptions.ClientError:
            same = False
        if not same:
            s3.upload_file(path, bucket, key)
            written.append('s3://%s/%s' % (bucket, key))
    return written


def _when(text):
    for pattern in ('%Y-%m-%dT%H', '%Y-%m-%d'):
        try:
            return datetime.datetime.strptime(text, pattern)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError('not a date or hour (YYYY-MM-DD or YYYY-MM-DDTHH): %r' % text)


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument('--dest', required=True, help='local directory for the files')
    common.add_argument('--base-url', help='mirror or test server to fetch from')
    common.add_argument('--jobs', type=int, default=2, help='parallel downloads (default 2)')
    common.add_argument('--retries', type=int, default=5, help='tries after the first (default 5)')
    common.add_argument('--backoff', type=float, default=1.0,
                        help='seconds before the first retry, doubling after (default 1)')
    common.add_argument('--to', metavar='S3_URI', help='then copy the files to s3://bucket/prefix/')
    common.add_argument('--quiet', action='store_true', help='no progress bars')
    sub = parser.add_subparsers(dest='what', required=True)
    pv = sub.add_parser('pageviews', parents=[common], help='Wikimedia pageview dumps')
    pv.add_argument('--start', type=_when, required=True, help='first hour, YYYY-MM-DDTHH')
    pv.add_argument('--end', type=_when, required=True, help='last hour, YYYY-MM-DDTHH')
    pv.add_argument('--dataset', choices=sorted(DATASETS), default='pageviews',
                    help='which dumps: hourly pageviews (default), the older pagecounts-raw,'
                         ' or the daily pageviews-complete')
    pv.add_argument('--agent', default='user', choices=['user', 'automated', 'spider'],
                    help='pageviews-complete: whose views (default user)')
    bills = sub.add_parser('bills', parents=[common], help="govinfo's BILLS bulk data")
    bills.add_argument('--congress', type=int, required=True,
                       help='number of the Congress, e.g. 113 (2013-2014)')
    bills.add_argument('--type', action='append', required=True, dest='types',
                       help='bill type: hr, s, hres, sres, hjres, sjres, hconres, sconres; repeatable')
    bills.add_argument('--session', action='append', type=int, dest='sessions',
                       help='1 or 2; repeatable (default both)')
    return parser


def main(argv=None):
    parser = build_parser()
    opts = parser.parse_args(argv)

    if opts.what == 'pageviews':
        if opts.end < opts.start:
            parser.error('--end is before --start')
        items = pageview_items(opts.dataset, opts.start, opts.end, opts.base_url or DUMPS, opts.agent)
    else:
        items = bill_items(opts.congress, opts.types, opts.sessions or (1, 2), opts.base_url or GOVINFO)

    fetcher = Fetcher(opts.dest, opts.retries, opts.backoff, opts.jobs, quiet=opts.quiet)
    if opts.what == 'pageviews' and opts.dataset == 'pagecounts-raw':
        items = resolve_names(items, {name: s for d in {i.directory for i in items}
                                      for name, s in fetcher.checksums(d).items()})
    results = fetcher.fetch_all(items)

    counts = {}
    for status, message in results:
        counts[status] = counts.get(status, 0) + 1
        if status in ('missing', 'failed'):
            print('fetch: %s: %s' % (status, message), file=sys.stderr)
    print('fetch: %s' % ', '.join('%d %s' % (n, s) for s, n in sorted(counts.items())), file=sys.stderr)
    if opts.to:
        local = [m for s, m in results if s in ('fetched', 'present')]
        written = upload(local, opts.to)
        print('fetch: %d copied to %s, %d there already' % (
            len(written), opts.to, len(local) - len(written)), file=sys.stderr)
    if counts.get('missing') or counts.get('failed'):
        sys.exit(1)


if __name__ == '__main__':
    main()
