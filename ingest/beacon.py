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
rules, :mod:`ingest.events`); bodies over 1 MiB get 413. SIGTERM stops taking
requests and drains the queue.

aiohttp: asyncio's most used HTTP server, maintained by aio-libs, with wheels
for every CPython we run; one event loop holds thousands of connections without
a thread each, and it parses requests in C.

Sample command line:

    python -m ingest.beacon --stream pageviews --endpoint-url http://127.0.0.1:5000 --port 8080
"""
import argparse
import asyncio
import base64
import functools
import logging
import signal
import sys
import time
from urllib.parse import unquote, unquote_to_bytes

import uvloop
from aiohttp import web

from ingest.aws import add_arguments, clients
from ingest.events import BadEvent, event, event_of, page
from ingest.sender import Sender

__all__ = ['make_handler', 'query_event', 'main']

MAX_BODY = 1024 * 1024
MAX_EVENTS = 10000
GIF = base64.b64decode(b'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7')
# with the type among them, aiohttp has no content_type to work out (each answer copies them)
GIF_HEADERS = {'Content-Type': 'image/gif', 'Cache-Control': 'no-store'}


def _parse(fields, where):
    if len(fields) not in (2, 3) or (len(fields) == 3 and not fields[2].isdigit()):
        raise BadEvent('%s: not "DOMAIN TITLE [SECONDS]"' % where)
    try:
        return event(fields[0], fields[1], int(fields[2]) if len(fields) == 3 else None)
    except BadEvent as e:
        raise BadEvent('%s: %s' % (where, e)) from None


def _unescaped(value):
    """The bytes a query string's value was sent as: percent-escapes and
    ``+`` decoded (a value sent unescaped is UTF-8)."""
    return unquote_to_bytes(value.encode('utf-8', 'surrogateescape').replace(b'+', b' '))


def _query_parts(query):
    """``(page, seconds or None)`` of a GET's query string; see :func:`query_event`."""
    found = {}
    for part in query.split('&'):
        key, _, value = part.partition('=')
        found[unquote(key)] = value
    try:
        pair = page(_unescaped(found.get('domain', '')), _unescaped(found.get('title', '')))
    except BadEvent as e:
        raise BadEvent('the query: %s' % e) from None
    t = _unescaped(found['t']) if 't' in found else None
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
    """The event of a GET's query string: ``domain``, ``title`` and ``t``
    (seconds, ``now`` if absent) as the bytes that were sent, the last of a
    repeated key; BadEvent if it is not one we take."""
    pair, t = (_cached_query_parts if len(query) <= CACHED_QUERY else _query_parts)(query)
    return event_of(pair, now if t is None else t)


def make_handler(sender):
    """The beacon's one request handler, for aiohttp's low-level server (no
    application or router: a third of the time of a GET, measured)."""
    counts = dict(malformed=0, requests=0)

    def take(events):
        counts['requests'] += 1
        # only this event loop offers
        if not sender.offer_all(events):
            raise web.HTTPServiceUnavailable(text='queue full: try again later\n')

    def refuse(error):
        counts['malformed'] += 1
        raise web.HTTPBadRequest(text='%s\n' % error)

    def get_one(query):
        try:
            events = [query_event(query, int(time.time()))]
        except BadEvent as e:
            refuse(e)
        take(events)
        return web.Response(body=GIF, headers=GIF_HEADERS)

    async def post_many(request, _):
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise web.HTTPRequestEntityTooLarge(MAX_BODY, request.content_length)
        body = await request.read()
        lines = [line for line in body.split(b'\n') if line]
        if not lines or len(lines) > MAX_EVENTS:
            refuse('a body of 1 to %d lines, please' % MAX_EVENTS)
        try:
            events = [_parse(line.rstrip(b'\r').split(b' '), 'line %d' % n)
                      for n, line in enumerate(lines, 1)]
        except BadEvent as e:
            refuse(e)
        take(events)
        return web.Response(status=204)

    async def metrics(request, _):
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
        return web.Response(text=text, content_type='text/plain', charset='utf-8',
                            headers={'X-Content-Type-Options': 'nosniff'})

    # GET /beacon is answered before the lookup; listed for the 405's Allow
    routes = {('GET', '/beacon'): None, ('POST', '/beacon'): post_many, ('GET', '/metrics'): metrics}

    async def handle(request):
        # the request line as sent: building yarl's URL of it costs more than our parsing
        path, _, query = request.raw_path.partition('?')
        if path == '/beacon' and request.method == 'GET':
            return get_one(query)       # most requests: no coroutine of its own
        route = routes.get((request.method, path))
        if route is None:
            allowed = [m for m, p in routes if p == path]
            raise web.HTTPMethodNotAllowed(request.method, allowed) if allowed else web.HTTPNotFound()
        return await route(request, query)

    return handle


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

    def say(address):
        print('ingest.beacon: listening on http://%s:%d/beacon' % address[:2], file=sys.stderr, flush=True)

    async def serve():
        # BaseRequest's own body limit is MAX_BODY, 1 MiB
        runner = web.ServerRunner(web.Server(make_handler(sender), access_log=None))
        await runner.setup()
        site = web.TCPSite(runner, opts.host, opts.port)
        await site.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        say(site._server.sockets[0].getsockname())
        await stop.wait()
        await runner.cleanup()       # stops taking requests

    uvloop.run(serve())
    unsent = sender.close(opts.drain)
    c = sender.counts
    print('ingest.beacon: %d events accepted, %d sent, %d failed, %d answered 503, %d left unsent'
          % (c['accepted'], c['sent'], c['failed'], c['rejected'], unsent), file=sys.stderr)
    sys.exit(1 if unsent or c['failed'] else 0)


if __name__ == '__main__':
    main()
