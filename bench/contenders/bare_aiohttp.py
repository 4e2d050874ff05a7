"""The floor for the beacon: aiohttp's low-level server on uvloop, as the
beacon runs, with a handler that only answers as the beacon answers a GET (a
1x1 GIF): no parsing, checks or queue.

    python bench/contenders/bare_aiohttp.py
"""
import asyncio
import sys

import uvloop
from aiohttp import web

from ingest.beacon import GIF


async def answer(request):
    return web.Response(body=GIF, content_type='image/gif', headers={'Cache-Control': 'no-store'})


async def serve():
    runner = web.ServerRunner(web.Server(answer, access_log=None))     # the beacon's server
    await runner.setup()
    site = web.TCPSite(runner, '127.0.0.1', 0)
    await site.start()
    print('bare_aiohttp: listening on http://127.0.0.1:%d/beacon' % site._server.sockets[0].getsockname()[1],
          file=sys.stderr, flush=True)
    await asyncio.Event().wait()


if __name__ == '__main__':
    uvloop.run(serve())
