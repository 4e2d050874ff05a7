"""The beacon (ingest.beacon), a real server on 127.0.0.1, sending to moto's
Kinesis: events arrive as sent; bad requests get 400; a full queue gets 503,
counted, and drains once Kinesis is back."""
import errno
import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import unquote_to_bytes

import pytest
from hypothesis import given, settings, strategies as st

from conftest import ROOT
from ingest.events import BadEvent, parse_event
from local_postgres import free_port


class Beacon:
    def __init__(self, endpoint, stream, *extra):
        self.process = subprocess.Popen(
            [sys.executable, '-m', 'ingest.beacon', '--stream', stream, '--endpoint-url', endpoint,
             '--port', '0', *extra], cwd=ROOT, stderr=subprocess.PIPE)
        line = self.process.stderr.readline().decode()
        self.url = re.search(r'http://\S+/beacon', line).group(0)

    def request(self, path='', body=None):
        try:
            with urllib.request.urlopen(urllib.request.Request(self.url + path, data=body), timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def metrics(self):
        _, text = self.request_metrics()
        return {m[0].decode(): int(m[1]) for m in re.findall(rb'^mrtally_beacon_(\w+) (\d+)$', text, re.M)}

    def request_metrics(self):
        with urllib.request.urlopen(self.url.replace('/beacon', '/metrics'), timeout=10) as r:
            assert r.headers['X-Content-Type-Options'] == 'nosniff'
            return r.status, r.read()

    def stop(self):
        self.process.terminate()
        _, note = self.process.communicate(timeout=60)
        self.process.stderr.close()
        return self.process.returncode, note.decode()


def stream_events(kinesis, stream):
    events = []
    for shard in kinesis.list_shards(StreamName=stream)['Shards']:
        iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard['ShardId'],
                                              ShardIteratorType='TRIM_HORIZON')['ShardIterator']
        page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
        events += [line for r in page['Records'] for line in r['Data'].split(b'\n') if line]
    return sorted(events)


@pytest.fixture
def kinesis(aws):
    return aws('kinesis')


def test_events_get_to_kinesis_as_sent(moto_endpoint, kinesis):
    kinesis.create_stream(StreamName='beacon', ShardCount=2)
    beacon = Beacon(moto_endpoint, 'beacon')
    try:
        # an image beacon: the dump's title, URL-encoded once more, bytes kept
        status, body = beacon.request('?domain=en&title=%25D0%25A4_%ff&t=1704067200')
        assert status == 200 and body.startswith(b'GIF89a')
        status, _ = beacon.request(body=b'de Berlin 1704070800\nen.m Main_Page 1704070801\n')
        assert status == 204
    finally:
        code, note = beacon.stop()
    assert code == 0 and '3 events accepted, 3 sent, 0 failed, 0 answered 503, 0 left unsent' in note
    assert [parse_event(e) for e in stream_events(kinesis, 'beacon')] == [
        (1704067200, b'en', b'%D0%A4_\xff'), (1704070800, b'de', b'Berlin'),
        (1704070801, b'en.m', b'Main_Page')]


@pytest.mark.parametrize('path, body, status, says', [
    ('?domain=en&title=a%01b', None, 400, b'control character'),
    ('?domain=en', None, 400, b'empty domain or title'),
    ('?domain=en&title=a&t=soon', None, 400, b'the query: t is not a number of seconds'),
    ('', b'en A\nen B C D\n', 400, b'line 2: not "DOMAIN TITLE [SECONDS]"'),
    ('', b'en A\n' * 10001, 400, b'a body of 1 to 10000 lines'),
    ('', b'\n', 400, b'a body of 1 to 10000 lines'),
    ('', b'en ' + b'x' * (1024 * 1024) + b'\n', 413, b''),
])
def test_malformed_and_oversized_requests_are_refused_whole(moto_endpoint, kinesis, path, body, status,
                                                            says):
    stream = 'refused-%d' % abs(hash((path, body)))
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    beacon = Beacon(moto_endpoint, stream)
    try:
        got, text = beacon.request(path, body)
        assert got == status and says in text
        assert beacon.metrics()['accepted_total'] == 0
    finally:
        beacon.stop()
    assert stream_events(kinesis, stream) == []


def test_wrong_paths_methods_and_oversized_heads_are_refused(moto_endpoint, kinesis):
    kinesis.create_stream(StreamName='heads', ShardCount=1)
    beacon = Beacon(moto_endpoint, 'heads')
    host, port = re.match(r'http://([^:]+):(\d+)/', beacon.url).groups()

    def ask(method, path, body=None, headers={}, **how):
        c = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            c.request(method, path, body, headers, **how)
            r = c.getresponse()
            return r.status, r.getheader('Allow'), r.read()
        finally:
            c.close()
    try:
        assert ask('GET', '/nowhere')[0] == 404
        assert ask('PUT', '/beacon', b'en A') == (405, 'GET, POST', b'method not allowed\n')
        assert ask('POST', '/metrics', b'') [:2] == (405, 'GET')
        assert ask('GET', '/beacon?domain=en&title=' + 'x' * 9000)[0] == 414
        # a body sent in chunks, with no length to refuse it by at once
        assert ask('POST', '/beacon', iter([b'en ' + b'x' * 600000, b'x' * 600000 + b'\n']),
                   encode_chunked=True)[0] == 413
        assert ask('GET', '/beacon?domain=en&title=A', headers={'X-Big': 'x' * 70000})[0] == 400
        metrics = beacon.metrics()
        assert metrics['accepted_total'] == 0 and metrics['requests_total'] == 0
        status, text = beacon.request_metrics()
        assert status == 200 and b'# TYPE mrtally_beacon_queue_depth gauge\n' in text
    finally:
        code, _ = beacon.stop()
    assert code == 0 and stream_events(kinesis, 'heads') == []


def test_a_full_queue_answers_503_and_drains_when_kinesis_is_back(aws, kinesis):
    from moto.server import ThreadedMotoServer
    kinesis.create_stream(StreamName='outage', ShardCount=1)   # moto's state outlives its servers
    port = free_port()
    beacon = Beacon('http://127.0.0.1:%d' % port, 'outage', '--queue', '5')
    try:
        send = lambda i: beacon.request('?domain=en&title=P%d&t=1704067200' % i)[0]
        assert send(0) == 200
        time.sleep(0.5)     # the sender has taken it, and is trying Kinesis again and again
        answers = [send(i) for i in range(1, 40)]
        # room for 5 unsent events, the one in flight among them; then 503, at once, every time
        assert answers == [200] * 4 + [503] * 35
        accepted = 5
        metrics = beacon.metrics()
        assert metrics['rejected_total'] == answers.count(503) and metrics['accepted_total'] == accepted
        assert metrics['queue_depth'] == accepted and metrics['sent_total'] == 0
        server = ThreadedMotoServer(ip_address='127.0.0.1', port=port, verbose=False)
        server.start()
        try:
            deadline = time.monotonic() + 60
            while beacon.metrics()['sent_total'] < accepted and time.monotonic() < deadline:
                time.sleep(0.2)
            metrics = beacon.metrics()
            assert metrics['sent_total'] == accepted and metrics['queue_depth'] == 0
            assert metrics['retried_total'] > 0
        finally:
            code, note = beacon.stop()
            server.stop()
    finally:
        if beacon.process.poll() is None:
            beacon.process.kill()
    assert code == 0, note
    assert len(stream_events(kinesis, 'outage')) == accepted


def test_a_port_in_use_is_refused_in_one_line():
    with socket.create_server(('127.0.0.1', 0)) as taken:
        port = taken.getsockname()[1]
        run = subprocess.run([sys.executable, '-m', 'ingest.beacon', '--stream', 's', '--port', str(port),
                              '--endpoint-url', 'http://127.0.0.1:9', '--region', 'us-east-1'],
                             cwd=ROOT, capture_output=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.decode().splitlines() == ['ingest.beacon: cannot listen on 127.0.0.1:%d: %s'
                                                % (port, os.strerror(errno.EADDRINUSE))]


@pytest.mark.parametrize('query, line', [
    ('domain=en&title=%25D0%25A4_%ff&t=1', b'1 en %D0%A4_\xff'),       # escaped once more
    ('title=X&domain=de&title=C', b'5 de C'),                           # the last one counts
    ('domain=en&title=A%2BB', b'5 en A+B'),
    ('domain=en&title=%E2%82%AC', b'5 en \xe2\x82\xac'),
    ('domain=en&title=\u20ac', b'5 en \xe2\x82\xac'),                   # sent unescaped
    ('%64omain=en&title=T&%74=7', b'7 en T'),
    ('domain=en&title=a\\x41%5Cx41%5c%zz%4', b'5 en a\\x41\\x41\\%zz%4'),   # a % that starts no escape stays
    ('domain=en&title=' + 'x' * 2100, b'5 en ' + b'x' * 2100),           # too long to cache
])
def test_a_query_gives_the_bytes_that_were_sent(query, line):
    from ingest.beacon import query_event
    for _ in range(2):      # decoded, then from the cache
        assert query_event(query.encode(), 5) == line


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=12).map(lambda b: bytes(b'%\\x+4aFg'[c % 8] for c in b)) | st.binary())
def test_query_values_are_unescaped_as_the_standard_library_does(value):
    from ingest.beacon import _unescaped
    assert _unescaped(value) == unquote_to_bytes(value.replace(b'+', b' '))


@pytest.mark.parametrize('query, reason', [
    ('domain=en&title=A+B', 'the query: wrong number of fields'),       # + is a space
    ('', 'the query: '),
    ('domain=en&title=T&t=soon', 'the query: t is not a number of seconds'),
    ('domain=en&title=T%01', 'the query: .*control'),
])
def test_a_query_that_is_no_event_is_refused_with_its_reason(query, reason):
    from ingest.beacon import query_event
    for _ in range(2):
        with pytest.raises(BadEvent, match=reason):
            query_event(query.encode(), 5)
