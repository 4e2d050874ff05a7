"""The floor for the beacon: uvicorn on uvloop as the beacon runs it, with an
ASGI application that only answers as the beacon answers a GET (a 1x1 GIF):
no parsing, checks or queue.

    python bench/contenders/bare_uvicorn.py
"""
import socket
import sys

import uvloop

from ingest.beacon import GIF_ANSWER, server


async def answer(scope, receive, send):
    await send(GIF_ANSWER[0])
    await send(GIF_ANSWER[1])


if __name__ == '__main__':
    listener = socket.create_server(('127.0.0.1', 0))
    print('bare_uvicorn: listening on http://127.0.0.1:%d/beacon' % listener.getsockname()[1],
          file=sys.stderr, flush=True)
    uvloop.run(server(answer).serve(sockets=[listener]))
