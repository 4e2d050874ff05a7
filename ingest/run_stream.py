"""End to end on this machine, loopback only: dumps replayed as events over
HTTP, through Kinesis, into hourly files that MRPageViews counts as it counts
the dumps.

It starts moto's server (Kinesis, DynamoDB) as the AWS stand-in, makes a
stream of 2 shards, starts ``ingest.beacon`` and ``ingest.consumer``, posts one
event per view of every valid line of the dumps with an hour (hourly files, and
the hours of daily pageviews-complete files), stamped inside that hour, stops
the beacon (it drains), lets the consumer drain the stream, and runs
MRPageViews over what it wrote and over the dumps. Exits 0 only if the two
agree.

Sample command line:

    python -m ingest.run_stream inputs/pageviews/ --out out/streamed
"""
import argparse
import calendar
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

from jobs.inputs import expand_inputs, open_dump
from jobs.pageviews import Malformed, hour_of_file, hourly_counts, parse_pageview

POST_EVENTS = 2000


def events_of(path):
    """One ``DOMAIN TITLE SECONDS`` line per view of the dump's valid lines."""
    hour = hour_of_file(path)
    day = calendar.timegm(time.strptime(hour[:10], '%Y-%m-%d'))
    with open_dump(path) as f:
        for n, line in enumerate(f):
            try:
                domain, title, views, hourly = parse_pageview(line)
            except Malformed:
                continue
            hours = hourly_counts(hourly) if hourly else [(int(hour[11:]), views)]
            for h, count in hours:
                for i in range(count):
                    yield b'%s %s %d' % (domain, title, day + h * 3600 + (n + i) % 3600)


def post(url, events):
    request = urllib.request.Request(url, data=b'\n'.join(events) + b'\n')
    for attempt in range(100):
        try:
            with urllib.request.urlopen(request, timeout=30):
                return
        except urllib.error.HTTPError as e:
            if e.code != 503:
                raise
            time.sleep(0.05 * (attempt + 1))     # the queue is full: the beacon said so
    raise RuntimeError('the beacon stayed full')


def page_views(paths):
    done = subprocess.run([sys.executable, '-m', 'jobs.mr_page_views', '-q', '-q', *paths],
                          capture_output=True, check=True)
    return sorted(done.stdout.splitlines())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('inputs', nargs='+', metavar='INPUT', help='dump files or directories')
    parser.add_argument('--out', default='out/streamed', help='where the consumer writes (emptied first)')
    opts = parser.parse_args(argv)
    sources = [p for p in expand_inputs(opts.inputs) if hour_of_file(p)]
    if not sources:
        sys.exit('run_stream: error: no dump with an hour in its name in %s' % ' '.join(opts.inputs))
    shutil.rmtree(opts.out, ignore_errors=True)
    from moto.server import ThreadedMotoServer
    import boto3
    logging.getLogger('werkzeug').setLevel(logging.ERROR)    # moto's server logs every request
    os.environ.update(AWS_ACCESS_KEY_ID='stand-in', AWS_SECRET_ACCESS_KEY='stand-in',
                      AWS_DEFAULT_REGION='us-east-1')
    server = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False)
    server.start()
    endpoint = 'http://%s:%d' % server.get_host_and_port()
    children = []
    try:
        boto3.client('kinesis', endpoint_url=endpoint).create_stream(StreamName='pageviews', ShardCount=2)
        beacon = subprocess.Popen([sys.executable, '-m', 'ingest.beacon', '--stream', 'pageviews',
                                   '--endpoint-url', endpoint, '--port', '0'], stderr=subprocess.PIPE)
        children.append(beacon)
        url = re.search(rb'http://\S+/beacon', beacon.stderr.readline()).group(0).decode()
        consumer = subprocess.Popen([sys.executable, '-m', 'ingest.consumer', '--stream', 'pageviews',
                                     '--leases', 'pageviews-leases', '--out', opts.out,
                                     '--endpoint-url', endpoint, '--idle-exit', '5'],
                                    stderr=subprocess.PIPE)
        children.append(consumer)
        sent, started = 0, time.monotonic()
        for path in sources:
            batch = []
            for event in events_of(path):
                batch.append(event)
                if len(batch) == POST_EVENTS:
                    post(url, batch)
                    sent, batch = sent + len(batch), []
            if batch:
                post(url, batch)
                sent += len(batch)
        posting = time.monotonic() - started
        beacon.terminate()
        beacon_note = beacon.communicate(timeout=120)[1].decode().strip()
        consumer_note = consumer.communicate(timeout=600)[1].decode().strip()
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
        server.stop()
    streamed = page_views([opts.out])
    expected = page_views(sources)
    views = sum(int(row.rsplit(b'\t', 1)[1]) for row in streamed)
    print('run_stream: %d events sent over HTTP in %.1f s (%d/s)' % (sent, posting, sent / posting))
    print(beacon_note.splitlines()[-1])
    print(consumer_note.splitlines()[-1])
    print('run_stream: MRPageViews counted %d views of %d pages in %s; over the %d dumps: %s'
          % (views, len(streamed), opts.out, len(sources),
             'the same' if streamed == expected else 'DIFFERENT'))
    sys.exit(0 if streamed == expected and beacon.returncode == 0 and consumer.returncode == 0 else 1)


if __name__ == '__main__':
    main()
