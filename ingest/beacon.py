"""Take pageview events over HTTP and send them to Kinesis in the background.

* ``GET /beacon?domain=D&title=T[&t=SECONDS]``, for an image beacon: the
  domain and title as they appear in a dump, URL-encoded once more; answers a
  1x1 GIF.
* ``POST /beacon``, for ``navigator.sendBeacon`` and batches: lines of
  ``DOMAIN TITLE [SECONDS]``, as bytes; answers 204.
* ``GET /metrics``: counters in Prometheus' text format.

Every request is answered at once: events go into the bounded queue of an
:class:`ingest.sender.Sender`, never to Kinesis on the request's path. A
request whose events do not all fit gets 503 (counted, none of its events
taken); one with a malformed event gets 400 and the reason (the dumps' own
rules, :mod:`ingest.events`); bodies over 1 MiB get 413, queries over 8 KiB
414. SIGTERM stops taking requests and drains the queue.

uvicorn, the reference ASGI server (maintained by Encode, used under FastAPI
and Starlette), with httptools (llhttp, Node.js' parser, in C) on uvloop: one
event loop holds thousands of connections without a thread each. The beacon is
a bare ASGI application, no framework: measured with wrk on one core, uvicorn
answers a fixed GET 1.3 times as fast as aiohttp's low-level server, which the
beacon used before (bench/README.md). Its embedded use (``Server.serve``) is
documented and stable, so the SIGTERM drain stays ours.

Sample command line:

    python -m ingest.beacon --stream pageviews --endpoint-url http://127.0.0.1:5000 --port 8080
"""
import argparse
import base64
import functools
import logging
import os
import signal
import socket
import sys
import time
from codecs import escape_decode
from urllib.parse import unquote_to_bytes

import uvicorn
import uvloop
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ingest.aws import add_arguments, clients
from ingest.events import BadEvent, event, event_of, page
from ingest.sender import Sender

__all__ = ['make_app', 'query_event', 'server', 'main']

MAX_BODY = 1024 * 1024
MAX_EVENTS = 10000
MAX_QUERY = 8 * 1024
MAX_HEADERS = 64 * 1024      # the request line and headers together (llhttp sets no bound)
GIF = base64.b64decode(b'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7')


def _parse(fields, where):
    if len(fields) not in (2, 3) or (len(fields) == 3 and not fields[2].isdigit()):
        raise BadEvent('%s: not "DOMAIN TITLE [SECONDS]"' % where)
    try:
        return event(fields[0], fields[1], int(fields[2]) if len(fields) == 3 else None)
    except BadEvent as e:
        raise BadEvent('%s: %s' % (where, e)) from None


def _unescaped(value):
    """The bytes a query string's value was sent as: percent-escapes and
    ``+`` decoded, as :func:`urllib.parse.unquote_to_bytes` decodes them."""
    value = value.replace(b'+', b' ')
    if b'%' not in value:
        return value
    # Six times as fast as unquote_to_bytes' loop on titles full of escapes,
    # a new page's largest cost: each %XX becomes \xXX (a backslash first
    # becomes two) for the C decoder of Python's bytes escapes. A % that
    # starts no escape makes it fail, and the slow way decides.
    try:
        return escape_decode(value.replace(b'\\', b'\\\\').replace(b'%', b'\\x'))[0]
    except ValueError:
        return unquote_to_bytes(value)


def _query_parts(query):
    """``(page, seconds or None)`` of a GET's query string; see :func:`query_event`."""
    found = {}
    for part in query.split(b'&'):
        key, _, value = part.partition(b'=')
        found[unquote_to_bytes(key)] = value
    try:
        pair = page(_unescaped(found.get(b'domain', b'')), _unescaped(found.get(b'title', b'')))
    except BadEvent as e:
        raise BadEvent('the query: %s' % e) from None
    t = _unescaped(found[b't']) if b't' in found else None
    if t is not None and not t.isdigit():
        raise BadEvent('the query: t is not a number of seconds')
    return pair, None if t is None else int(t)


# Pages repeat (a few are most of the views), and decoding a title full of
# escapes costs more than the rest of a request: each query is decoded and
# judged once while it is in the cache. Long ones are not kept, so the cache
# stays small.
_cached_query_parts = functools.lru_cache(maxsize=1 << 14)(_query_parts)
CACHED_QUERY = 2048   # with 16,384 queries, at most 64 MB held


def query_event(query, now):
    """The event of a GET's query string (bytes, as sent): ``domain``,
    ``title`` and ``t`` (seconds, ``now`` if absent) as the bytes they
    escape, the last of a repeated key; BadEvent if it is not one we take."""
    pair, t = (_cached_query_parts if len(query) <= CACHED_QUERY else _query_parts)(query)
    return event_of(pair, now if t is None else t)


def _start(status, content_type, *more):
    return {'type': 'http.response.start', 'status': status,
            'headers': [(b'content-type', content_type), (b'cache-control', b'no-store'), *more]}


GIF_ANSWER = (_start(200, b'image/gif'), {'type': 'http.response.body', 'body': GIF})
ACCEPTED = (_start(204, b'text/plain'), {'type': 'http.response.body', 'body': b''})


# text answers are not to be sniffed as anything else by a browser
NOSNIFF = (b'x-content-type-options', b'nosniff')


def _text(status, text, *more):
    return (_start(status, b'text/plain; charset=utf-8', NOSNIFF, *more),
            {'type': 'http.response.body', 'body': text.encode()})


class Refused(Exception):
    """A request answered with ``answer`` (an ASGI start and body) and no event taken."""
    def __init__(self, status, text, *more):
        super().__init__(text)
        self.answer = _text(status, text + '\n', *more)


def make_app(sender):
    """The beacon as a bare ASGI application (no framework: routing two paths
    costs less than any router, and a GET, most requests, is answered with
    prebuilt messages)."""
    counts = dict(malformed=0, requests=0)

    def take(events):
        counts['requests'] += 1
        # only this event loop offers
        if not sender.offer_all(events):
            raise Refused(503, 'queue full: try again later')

    def refuse(reason):
        counts['malformed'] += 1
        raise Refused(400, str(reason))

    def get_one(query):
        if len(query) > MAX_QUERY:
            raise Refused(414, 'a query of at most %d bytes, please' % MAX_QUERY)
        try:
            events = [query_event(query, int(time.time()))]
        except BadEvent as e:
            refuse(e)
        take(events)
        return GIF_ANSWER

    async def post_many(scope, receive):
        length = dict(scope['headers']).get(b'content-length', b'')
        if length.isdigit() and int(length) > MAX_BODY:
            raise Refused(413, 'a body of at most %d bytes, please' % MAX_BODY)
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message['type'] == 'http.disconnect':
                raise Refused(400, 'the body was cut short')    # to no one: counted nowhere
            chunks.append(message.get('body', b''))
            size += len(chunks[-1])
            if size > MAX_BODY:
                raise Refused(413, 'a body of at most %d bytes, please' % MAX_BODY)
            more = message.get('more_body', False)
        lines = [line for line in b''.join(chunks).split(b'\n') if line]
        if not lines or len(lines) > MAX_EVENTS:
            refuse('a body of 1 to %d lines, please' % MAX_EVENTS)
        try:
            events = [_parse(line.rstrip(b'\r').split(b' '), 'line %d' % n)
                      for n, line in enumerate(lines, 1)]
        except BadEvent as e:
            refuse(e)
        take(events)
        return ACCEPTED

    def metrics():
        c = dict(sender.counts)
        rows = [('accepted_total', 'counter', 'events taken into the queue', c['accepted']),
                ('sent_total', 'counter', 'events Kinesis has taken', c['sent']),
                ('failed_total', 'counter', 'events Kinesis refused for good', c['failed']),
                ('retried_total', 'counter', 'records sent again after a failure', c['retried']),
                ('rejected_total', 'counter', 'events answered 503, the queue being full', c['rejected']),
                ('malformed_requests_total', 'counter', 'requests answered 400', counts['malformed']),
                ('requests_total', 'counter', 'event requests', counts['requests']),
                ('queue_depth', 'gauge', 'events waiting to be sent', sender.depth())]
        text = ''.join('# HELP mrtally_beacon_%s %s\n# TYPE mrtally_beacon_%s %s\nmrtally_beacon_%s %d\n'
                       % (name, about, name, kind, name, value) for name, kind, about, value in rows)
        return (_start(200, b'text/plain; version=0.0.4; charset=utf-8', NOSNIFF),
                {'type': 'http.response.body', 'body': text.encode()})

    allowed = {'/beacon': b'GET, POST', '/metrics': b'GET'}

    async def app(scope, receive, send):
        if scope['type'] != 'http':     # lifespan is off; uvicorn refuses websockets
            return
        method, path = scope['method'], scope['path']
        try:
            if path == '/beacon' and method == 'GET':
                answer = get_one(scope['query_string'])     # most requests: no await
            elif path == '/beacon' and method == 'POST':
                answer = await post_many(scope, receive)
            elif path == '/metrics' and method == 'GET':
                answer = metrics()
            elif path in allowed:
                raise Refused(405, 'method not allowed', (b'allow', allowed[path]))
            else:
                raise Refused(404, 'not found')
        except Refused as e:
            answer = e.answer
        await send(answer[0])
        await send(answer[1])

    return app


class _Protocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with a bound on the request line and
    headers, which llhttp leaves unbounded: past it, the request is answered
    400 and its connection closed (uvicorn's own path for a bad request)."""
    def on_message_begin(self):
        super().on_message_begin()
        self._head_bytes = 0

    def on_url(self, url):
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name, value):
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def _count(self, n):
        self._head_bytes += n
        if self._head_bytes > MAX_HEADERS:
            raise ValueError('request line and headers over %d bytes' % MAX_HEADERS)


def server(app):
    """uvicorn as the beacon runs it: no access log, lifespan or Server
    header, nor its X-Forwarded-For middleware (no event holds the client's
    address); connections still busy 5 s after SIGTERM are closed."""
    return uvicorn.Server(uvicorn.Config(
        app, http=_Protocol, lifespan='off', access_log=False, server_header=False,
        proxy_headers=False, log_config=None, timeout_graceful_shutdown=5))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--stream', required=True, help='the Kinesis stream')
    parser.add_argument('--host', default='127.0.0.1', help='the address to listen on (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=8080, help='default 8080; 0 picks a free one')
    parser.add_argument('--queue', type=int, default=100000,
                        help='events accepted and not yet sent that it holds (default 100,000)')
    parser.add_argument('--drain', type=float, default=30.0, metavar='SECONDS',
                        help='on SIGTERM, how long to go on sending what is queued (default 30)')
    add_arguments(parser)
    opts = parser.parse_args(argv)
    kinesis, = clients(opts, 'kinesis', what='ingest.beacon')
    logging.basicConfig(level=logging.WARNING, format='ingest.beacon: %(message)s')
    sender = Sender(kinesis, opts.stream, capacity=opts.queue)

    try:
        listener = socket.create_server((opts.host, opts.port))
    except OSError as e:
        sender.close(0)
        reason = os.strerror(e.errno) if e.errno else str(e)
        parser.exit(2, 'ingest.beacon: cannot listen on %s:%d: %s\n' % (opts.host, opts.port, reason))
    print('ingest.beacon: listening on http://%s:%d/beacon' % listener.getsockname()[:2],
          file=sys.stderr, flush=True)
    uvicorn_server = server(make_app(sender))

    def stop(*_):
        uvicorn_server.should_exit = True
    # uvicorn handles SIGTERM and SIGINT while it serves: it stops taking
    # requests, then raises the signal again for the handler it found. Ours
    # (which also covers a signal before it starts) lets the queue drain below.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    uvloop.run(uvicorn_server.serve(sockets=[listener]))
    unsent = sender.close(opts.drain)
    c = sender.counts
    print('ingest.beacon: %d events accepted, %d sent, %d failed, %d answered 503, %d left unsent'
          % (c['accepted'], c['sent'], c['failed'], c['rejected'], unsent), file=sys.stderr)
    sys.exit(1 if unsent or c['failed'] else 0)


if __name__ == '__main__':
    main()
