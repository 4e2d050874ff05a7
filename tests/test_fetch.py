import argparse
import datetime
import gzip
import hashlib
import http.server
import threading
import zipfile
import io

import pytest

from jobs import fetch
from jobs.fetch import Item, bill_items, pageview_items, parse_checksums, resolve_names


class Site(http.server.ThreadingHTTPServer):
    """A dumps site on 127.0.0.1: files by path, Range requests, and faults
    to inject per path, each used once, in order: 'cut' (send half the body
    and close), 'http500', 'norange' (answer a Range request with the whole file)."""

    def __init__(self):
        super().__init__(('127.0.0.1', 0), Handler)
        self.files, self.faults, self.requests = {}, {}, []

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.server_address[1]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        site = self.server
        site.requests.append((self.path, self.headers.get('Range'), self.headers.get('User-Agent')))
        fault = site.faults.get(self.path, []).pop(0) if site.faults.get(self.path) else None
        if fault == 'http500':
            self.send_error(500)
            return
        data = site.files.get(self.path)
        if data is None:
            self.send_error(404)
            return
        start = 0
        wanted = self.headers.get('Range')
        if wanted and fault != 'norange':
            start = int(wanted.split('=')[1].rstrip('-'))
            if start >= len(data):
                self.send_error(416)
                return
            self.send_response(206)
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if fault == 'cut':
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.connection.close()
            return
        self.wfile.write(body)


@pytest.fixture
def site():
    server = Site()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def dump(hour):
    lines = b''.join(b'en Page_%d_%d %d 0\n' % (hour, i, i) for i in range(20000))
    return gzip.compress(lines, mtime=0)


def publish_hours(site, hours, checksums=True, pattern='pageviews-20240101-%02d0000.gz',
                  directory='/other/pageviews/2024/2024-01/'):
    listing = []
    for h in hours:
        data = dump(h)
        site.files[directory + pattern % h] = data
        listing.append('%s  %s' % (hashlib.md5(data).hexdigest(), pattern % h))
    if checksums:
        site.files[directory + 'md5sums.txt'] = ('\n'.join(listing) + '\n').encode()


def run(site, tmp_path, *args):
    argv = [*args, '--dest', str(tmp_path / 'data'), '--base-url', site.url,
            '--backoff', '0.01', '--quiet']
    try:
        fetch.main(argv)
        return 0
    except SystemExit as e:
        return e.code


def test_urls_follow_the_sites_layouts():
    start, end = datetime.datetime(2023, 12, 31, 23), datetime.datetime(2024, 1, 1, 1)
    assert [i.url for i in pageview_items('pageviews', start, end, 'B')] == [
        'B/other/pageviews/2023/2023-12/pageviews-20231231-230000.gz',
        'B/other/pageviews/2024/2024-01/pageviews-20240101-000000.gz',
        'B/other/pageviews/2024/2024-01/pageviews-20240101-010000.gz']
    assert [i.name for i in pageview_items('pagecounts-raw', start, start, 'B')] == [
        'pagecounts-20231231-230000.gz']
    assert [i.url for i in pageview_items('pageviews-complete', start, end, 'B', 'spider')] == [
        'B/other/pageview_complete/2023/2023-12/pageviews-20231231-spider.bz2',
        'B/other/pageview_complete/2024/2024-01/pageviews-20240101-spider.bz2']
    assert [i.url for i in bill_items(113, ['hr', 's'], [1], 'G')] == [
        'G/BILLS/113/1/hr/BILLS-113-1-hr.zip', 'G/BILLS/113/1/s/BILLS-113-1-s.zip']


def test_checksum_listings_and_pagecounts_names():
    sums = parse_checksums('d41d8cd98f00b204e9800998ecf8427e  pagecounts-20071210-000001.gz\n'
                           'junk line\n', 'md5')
    assert sums == {'pagecounts-20071210-000001.gz': ('md5', 'd41d8cd98f00b204e9800998ecf8427e')}
    items = [Item('B/d/pagecounts-20071210-000000.gz', 'pagecounts-20071210-000000.gz')]
    assert resolve_names(items, sums) == [Item('B/d/pagecounts-20071210-000001.gz',
                                                'pagecounts-20071210-000001.gz')]


def test_fetches_verifies_and_skips_on_rerun(site, tmp_path):
    publish_hours(site, range(3))
    assert run(site, tmp_path, 'pageviews', '--start', '2024-01-01T00', '--end', '2024-01-01T02') == 0
    for h in range(3):
        name = 'pageviews-20240101-%02d0000.gz' % h
        assert (tmp_path / 'data' / name).read_bytes() == dump(h)
    assert not list((tmp_path / 'data').glob('.*'))  # no temporary files left
    assert all(agent.startswith('mrtally/') for _, _, agent in site.requests)

    site.requests.clear()
    assert run(site, tmp_path, 'pageviews', '--start', '2024-01-01T00', '--end', '2024-01-01T02') == 0
    assert [p for p, _, _ in site.requests if p.endswith('.gz')] == []


def test_a_cut_connection_is_resumed(site, tmp_path):
    publish_hours(site, [0])
    path = '/other/pageviews/2024/2024-01/pageviews-20240101-000000.gz'
    site.faults[path] = ['cut']
    assert run(site, tmp_path, 'pageviews', '--start', '2024-01-01T00', '--end', '2024-01-01T00') == 0
    assert (tmp_path / 'data' / 'pageviews-20240101-000000.gz').read_bytes() == dump(0)
    ranges = [r for p, r, _ in site.requests if p == path]
    assert ranges[0] is None and ranges[1] == 'bytes=%d-' % (len(dump(0)) // 2)


def test_a_server_that_ignores_range_starts_over(site, tmp_path):
    publish_hours(site, [0])
    path = '/other/pageviews/2024/2024-01/pageviews-20240101-000000.gz'
    site.faults[path] = ['cut', 'norange']
    assert run(site, tmp_path, 'pageviews', '--start', '2024-01-01T00', '--end', '2024-01-01T00') == 0
    assert (tmp_path / 'data' / 'pageviews-20240101-000000.gz').read_bytes() == dump(0)


def test_server_errors_are_retried(site, tmp_path):
    publish_hours(site, [0])
    path = '/other/pageviews/2024/2024-01/pageviews-20240101-000000.gz'
    site.faults[path] = ['http500', 'http500']
    assert run(site, tmp_path, 'pageviews', '--start', '2024-01-01T00', '--end', '2024-01-01T00') == 0
    assert len([p for p, _, _ in site.requests if p == path]) == 3


def test_gives_up_with_a_clear_error(site, tmp_path, capsys):
    publish_hours(site, [0])
    path = '/other/pageviews/2024/2024-01/pageviews-20240101-000000.gz'
    site.faults[path] = ['http500'] * 3
    code = run(site, tmp_path, 'pageviews', '--start', '2024-01-01T00', '--end', '2024-01-01T00',
               '--retries', '2')
    assert code == 1
    assert 'failed: %s%s: gave up after 3 tries: HTTP 500' % (site.url, path) in capsys.readouterr().err
    assert not (tmp_path / 'data' / 'pageviews-20240101-000000.gz').exists()


def test_the_progress_bar_shows_a_failed_download_as_failed(site, tmp_path, capsys):
    publish_hours(site, [0])
    site.faults['/other/pageviews/2024/2024-01/pageviews-20240101-000000.gz'] = ['http500'] * 2
    argv = ['pageviews', '--start', '2024-01-01T00', '--end', '2024-01-01T00', '--retries', '1',
            '--dest', str(tmp_path / 'data'), '--base-url', site.url, '--backoff', '0.01']
    with pytest.raises(SystemExit):
        fetch.main(argv)
    bar = capsys.readouterr().err
    assert '1 failed or missing' in bar
    assert '100%' not in bar and '1/1' not in bar


def test_every_option_has_help():
    parser = fetch.build_parser()
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)][0]
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            assert action.help, '%s %s has no help' % (name, action.option_strings)


def test_a_wrong_checksum_is_never_kept(site, tmp_path, capsys):
    publish_hours(site, [0])
    site.files['/other/pageviews/2024/2024-01/md5sums.txt'] = (
        b'0123456789abcdef0123456789abcdef  pageviews-20240101-000000.gz\n')
    code = run(site, tmp_path, 'pageviews', '--start', '2024-01-01T00', '--end', '2024-01-01T00',
               '--retries', '1')
    assert code == 1
    assert 'md5 checksum mismatch after 2 downloads' in capsys.readouterr().err
    assert list((tmp_path / 'data').iterdir()) == []


def test_a_cut_file_without_checksums_is_caught_by_its_format(site, tmp_path, capsys):
    publish_hours(site, [0], checksums=False)
    path = '/other/pageviews/2024/2024-01/pageviews-20240101-000000.gz'
    site.files[path] = site.files[path][:1000]  # the server itself has half a file
    assert run(site, tmp_path, 'pageviews', '--start', '2024-01-01T00', '--end', '2024-01-01T00',
               '--retries', '0') == 1
    assert 'damaged: Compressed file ended' in capsys.readouterr().err


def test_a_missing_hour_is_reported_and_the_rest_goes_on(site, tmp_path, capsys):
    publish_hours(site, [0, 2])
    code = run(site, tmp_path, 'pageviews', '--start', '2024-01-01T00', '--end', '2024-01-01T02')
    assert code == 1
    err = capsys.readouterr().err
    assert 'missing: %s/other/pageviews/2024/2024-01/pageviews-20240101-010000.gz: not found (404)' % site.url in err
    assert '2 fetched, 1 missing' in err
    assert sorted(p.name for p in (tmp_path / 'data').iterdir()) == [
        'pageviews-20240101-000000.gz', 'pageviews-20240101-020000.gz']


def test_pagecounts_raw_hours_take_the_listed_names(site, tmp_path):
    publish_hours(site, [0], pattern='pagecounts-20071210-%02d0001.gz',
                  directory='/other/pagecounts-raw/2007/2007-12/')
    assert run(site, tmp_path, 'pageviews', '--dataset', 'pagecounts-raw',
               '--start', '2007-12-10T00', '--end', '2007-12-10T00') == 0
    assert (tmp_path / 'data' / 'pagecounts-20071210-000001.gz').read_bytes() == dump(0)


def test_bills_bulk_zips(site, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as z:
        z.writestr('BILLS-113hr1ih.xml', '<bill/>')
    for session in (1, 2):
        site.files['/BILLS/113/%d/hr/BILLS-113-%d-hr.zip' % (session, session)] = buf.getvalue()
    site.files['/BILLS/113/1/s/BILLS-113-1-s.zip'] = buf.getvalue()[:30]  # cut off
    code = run(site, tmp_path, 'bills', '--congress', '113', '--type', 'hr', '--type', 's',
               '--retries', '0')
    assert code == 1  # the cut zip, and no s bills in session 2
    assert sorted(p.name for p in (tmp_path / 'data').iterdir()) == [
        'BILLS-113-1-hr.zip', 'BILLS-113-2-hr.zip']


def test_copies_to_s3(site, tmp_path, fake_aws):
    publish_hours(site, [0, 1])
    s3 = fake_aws.bucket('dumps')
    args = ('pageviews', '--start', '2024-01-01T00', '--end', '2024-01-01T01', '--to', 's3://dumps/pv/')
    assert run(site, tmp_path, *args) == 0
    body = s3.get_object(Bucket='dumps', Key='pv/pageviews-20240101-010000.gz')['Body'].read()
    assert body == dump(1)
    # a rerun copies nothing again
    assert fetch.upload([str(tmp_path / 'data' / 'pageviews-20240101-000000.gz')], 's3://dumps/pv/') == []


def test_a_partial_file_from_an_earlier_run_is_resumed(site, tmp_path):
    publish_hours(site, [0])
    (tmp_path / 'data').mkdir()
    (tmp_path / 'data' / '.pageviews-20240101-000000.gz.part').write_bytes(dump(0)[:5000])
    assert run(site, tmp_path, 'pageviews', '--start', '2024-01-01T00', '--end', '2024-01-01T00') == 0
    assert (tmp_path / 'data' / 'pageviews-20240101-000000.gz').read_bytes() == dump(0)
    assert [r for p, r, _ in site.requests if p.endswith('.gz')] == ['bytes=5000-']
