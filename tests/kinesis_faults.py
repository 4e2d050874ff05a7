"""A fault-injecting HTTP proxy in front of a Kinesis stand-in, for the faults
moto's server never makes: throttled partial failures of PutRecords, throttled
GetRecords calls and expired shard iterators. Every other call of a JSON
protocol service (POST /: DynamoDB, the other Kinesis calls) passes through
as it came."""
import http.client
import json
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

THROTTLED = 'ProvisionedThroughputExceededException'


class KinesisFaults:
    """``put_failure``: the share of PutRecords entries that fail with
    ProvisionedThroughputExceededException; they are not passed on, as Kinesis
    stores none of a call's failed entries. ``throttle_every``, ``expire_every``:
    every n-th GetRecords call is refused as throttled, or its iterator as
    expired (0: never)."""

    def __init__(self, upstream, seed=0, put_failure=0.0, throttle_every=0, expire_every=0):
        self.upstream = urlsplit(upstream)
        self.rng = random.Random(seed)
        self.put_failure, self.throttle_every, self.expire_every = \
            put_failure, throttle_every, expire_every
        self.counts = dict(failed_entries=0, throttled=0, expired=0, gets=0)
        self._lock = threading.Lock()
        faults = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                target = self.headers.get('X-Amz-Target', '')
                if target.endswith('.PutRecords'):
                    status, answer = faults._put_records(self.headers, body)
                elif target.endswith('.GetRecords'):
                    status, answer = faults._get_records(self.headers, body)
                else:
                    status, answer = faults._forward(self.headers, body)
                self.send_response(status)
                self.send_header('Content-Type', 'application/x-amz-json-1.1')
                self.send_header('Content-Length', str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.server.server_address[1]

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _forward(self, headers, body):
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=30)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in ('host', 'content-length')}
            connection.request('POST', '/', body=body, headers=sent)
            answer = connection.getresponse()
            return answer.status, answer.read()
        finally:
            connection.close()

    def _get_records(self, headers, body):
        with self._lock:
            self.counts['gets'] += 1
            n = self.counts['gets']
            if self.expire_every and n % self.expire_every == 0:
                self.counts['expired'] += 1
                return _error('ExpiredIteratorException',
                              'Iterator expired. The iterator was created too long ago.')
            if self.throttle_every and n % self.throttle_every == 0:
                self.counts['throttled'] += 1
                return _error(THROTTLED, 'Rate exceeded for shard in the stream.')
        return self._forward(headers, body)

    def _put_records(self, headers, body):
        call = json.loads(body)
        with self._lock:
            failing = [self.rng.random() < self.put_failure for _ in call['Records']]
            self.counts['failed_entries'] += sum(failing)
        passed = [r for r, fail in zip(call['Records'], failing) if not fail]
        results = iter([])
        if passed:
            status, answer = self._forward(headers, json.dumps(dict(call, Records=passed)).encode())
            if status != 200:
                return status, answer
            results = iter(json.loads(answer)['Records'])
        records = [dict(ErrorCode=THROTTLED, ErrorMessage='Rate exceeded for shard.') if fail
                   else next(results) for fail in failing]
        return 200, json.dumps(dict(FailedRecordCount=sum('ErrorCode' in r for r in records),
                                    Records=records)).encode()


def _error(code, message):
    return 400, json.dumps({'__type': code, 'message': message}).encode()

