"""make bench-stream: the beacon and the consumer of ingest/, measured on loopback.

* The beacon, pinned to one core (``taskset``), with moto's server behind it
  as Kinesis, driven by wrk from the other core: single-event GETs (the image
  beacon) and POSTs of ``--batch`` events. Requests and events a second, p50
  and p99 latency, and the queue depth sampled from ``/metrics`` every 0.2 s:
  the sender keeps up if it stays bounded, nothing is answered 503 and the
  queue is empty soon after the load stops.
* The same wrk load against a bare application that only answers, on the
  beacon's server (``contenders/bare_uvicorn.py``): the server library's own
  ceiling on this core, so that what our handler costs can be seen; and on
  aiohttp's low-level server (``contenders/bare_aiohttp.py``), the beacon's
  server before uvicorn.
* The consumer, in this process, over one shard already holding
  ``--events`` events: events a second into files; beside it a bare GetRecords
  loop over the same shard (the stand-in's share) and the consumer's own work
  on records already read (ours).

Medians of ``--repeat`` runs. Sample command line:

    python bench/stream.py [--quick] [--repeat 3] [--seconds 10] [--events 1000000]
"""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
PY = sys.executable

from ingest.consumer import Consumer, Leases, LocalSink, files_of  # noqa: E402
from ingest.events import event  # noqa: E402
from ingest.sender import Sender  # noqa: E402
from jobs.inputs import expand_inputs, open_dump  # noqa: E402
from jobs.pageviews import Malformed, parse_pageview  # noqa: E402

BEACON_CORE, LOAD_CORE = '0', '1'
# wrk's Lua: requests cycle through real pages (or, with a suffix, make every
# title new: no cache helps); done() prints what we read, as JSON
WRK_SCRIPT = '''
local paths = {%(paths)s}
local n = 0
wrk.method = "%(method)s"
wrk.body = %(body)s
request = function()
  n = n + 1
  return wrk.format(nil, paths[n %% #paths + 1]%(suffix)s)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %%d, "seconds": %%f, "p50_ms": %%f, "p99_ms": %%f,'
    .. ' "socket_errors": %%d, "non_2xx": %%d}\\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    e.connect + e.read + e.write + e.timeout, e.status))
end
'''


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def pages(limit=2000):
    """Valid ``(domain, title)`` pairs of the sample dumps, the jobs' parser deciding."""
    out = []
    for path in expand_inputs([os.path.join(ROOT, 'inputs', 'pageviews')]):
        with open_dump(path) as f:
            for line in f:
                try:
                    domain, title, _, _ = parse_pageview(line)
                except Malformed:
                    continue
                out.append((domain, title))
                if len(out) == limit:
                    return out
    return out


def lua_string(data):
    return '"%s"' % ''.join('\\%d' % b if b < 32 or b > 126 or b in b'"\\' else chr(b) for b in data)


def wrk_script(directory, page_list, batch, new_pages=False):
    """A wrk script: single-event GETs (of a new title each, ``new_pages``),
    or POSTs of ``batch`` lines."""
    if batch:
        body = b''.join(b'%s %s\n' % page_list[i % len(page_list)] for i in range(batch))
        paths, method = ['/beacon'], 'POST'
    else:
        body, method = None, 'GET'
        paths = ['/beacon?' + urllib.parse.urlencode({'domain': d, 'title': t}, encoding='latin-1')
                 for d, t in page_list]
    path = os.path.join(directory, 'post.lua' if batch else 'new.lua' if new_pages else 'get.lua')
    with open(path, 'w') as f:
        f.write(WRK_SCRIPT % dict(paths=', '.join(lua_string(p.encode()) for p in paths), method=method,
                                  body='nil' if body is None else lua_string(body),
                                  suffix=' .. "_" .. n' if new_pages else ''))   # the title is last
    return path


class Server:
    """A child process that says where it listens on its stderr's first line."""

    def __init__(self, cmd, pattern, env=None):
        self.process = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, env=env)
        line = self.process.stderr.readline().decode()
        match = re.search(pattern, line)
        if not match:
            self.stop()
            sys.exit('bench-stream: error: %s did not start: %s' % (cmd[0], line.strip()))
        self.url = match.group(0)
        # keep its stderr drained, so that it never blocks on a full pipe
        self.note = []
        threading.Thread(target=lambda: self.note.extend(self.process.stderr), daemon=True).start()

    def metrics(self):
        with urllib.request.urlopen(self.url.replace('/beacon', '/metrics'), timeout=10) as r:
            return {k.decode(): int(v) for k, v in
                    re.findall(rb'^mrtally_beacon_(\w+) (\d+)$', r.read(), re.M)}

    def cpu_seconds(self):
        """User and system time of all its threads so far (``/proc``)."""
        with open('/proc/%d/stat' % self.process.pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def moto_server():
    port = free_port()
    # on the load's core, as the report says: the scheduler would otherwise
    # put some of its work on the beacon's
    process = subprocess.Popen(['taskset', '-c', LOAD_CORE, PY, '-m', 'moto.server', '-H', '127.0.0.1',
                                '-p', str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return process, 'http://127.0.0.1:%d' % port
        except OSError:
            time.sleep(0.1)
    process.kill()
    sys.exit('bench-stream: error: moto\'s server did not listen on 127.0.0.1:%d' % port)


def wrk(script, url, seconds, connections):
    done = subprocess.run(['taskset', '-c', LOAD_CORE, 'wrk', '-t1', '-c%d' % connections,
                           '-d%ds' % seconds, '-s', script, url], capture_output=True, check=True)
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def load(server, script, seconds, connections, batch):
    """wrk against ``server`` while a thread samples its queue depth."""
    depths, stop = [], threading.Event()

    def sample():
        while not stop.wait(0.2):
            depths.append(server.metrics()['queue_depth'])

    sampler = threading.Thread(target=sample) if batch is not None else None
    before = server.metrics() if sampler else None
    if sampler:
        sampler.start()
    cpu = server.cpu_seconds()
    try:
        result = wrk(script, server.url, seconds, connections)
        # below 100%, the load generator (or moto, beside it) is the limit, not the server
        result['cpu_percent'] = 100 * (server.cpu_seconds() - cpu) / result['seconds']
    finally:
        stop.set()
        if sampler:
            sampler.join()
    events = max(batch or 1, 1)
    result['events_per_s'] = result['requests'] * events / result['seconds']
    if sampler:
        started = time.monotonic()
        while server.metrics()['queue_depth']:
            time.sleep(0.05)
        after = server.metrics()
        result.update(max_depth=max(depths, default=0), drained_s=time.monotonic() - started,
                      rejected=after['rejected_total'] - before['rejected_total'],
                      accepted=after['accepted_total'] - before['accepted_total'],
                      sent=after['sent_total'] - before['sent_total'])
    return result


def beacon_runs(opts, endpoint, scratch):
    import boto3
    boto3.client('kinesis', endpoint_url=endpoint).create_stream(StreamName='bench', ShardCount=2)
    page_list = pages()
    scripts = {None: wrk_script(scratch, page_list, 0),
               'new': wrk_script(scratch, page_list, 0, new_pages=True),
               opts.batch: wrk_script(scratch, page_list, opts.batch)}
    beacon = Server(['taskset', '-c', BEACON_CORE, PY, '-m', 'ingest.beacon', '--stream', 'bench',
                     '--endpoint-url', endpoint, '--port', '0'], r'http://\S+/beacon')
    bare = {name: Server(['taskset', '-c', BEACON_CORE, PY, os.path.join(HERE, 'contenders', 'bare_%s.py' % name)],
                         r'http://\S+/beacon', env=dict(os.environ, PYTHONPATH=ROOT))
            for name in ('uvicorn', 'aiohttp')}
    cases = [('beacon, single-event GETs', beacon, scripts[None], 0),
             ('beacon, single-event GETs, no page twice', beacon, scripts['new'], 0),
             ('beacon, POSTs of %d events' % opts.batch, beacon, scripts[opts.batch], opts.batch),
             ('bare uvicorn application, GETs', bare['uvicorn'], scripts[None], None),
             ('bare aiohttp handler, GETs', bare['aiohttp'], scripts[None], None)]
    results = {name: [] for name, *_ in cases}
    try:
        for _ in range(opts.repeat):
            for name, server, script, batch in cases:
                results[name].append(load(server, script, opts.seconds, opts.connections, batch))
                print('  %s: %.0f events/s' % (name, results[name][-1]['events_per_s']), file=sys.stderr)
    finally:
        for one in (beacon, *bare.values()):
            one.stop()
    note = b''.join(beacon.note).decode().strip()
    return results, note


def fill(kinesis, stream, events):
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    sender = Sender(kinesis, stream, capacity=len(events) + 1)
    sender.offer_all(events)
    sender.close()
    assert sender.counts['sent'] == len(events), sender.counts


def consumer_runs(opts, endpoint, scratch):
    """Events a second per shard: the consumer; a bare read; our work alone."""
    import boto3
    kinesis, dynamodb = (boto3.client(s, endpoint_url=endpoint) for s in ('kinesis', 'dynamodb'))
    page_list = pages()
    start = 1704067200      # 2024-01-01T00
    events = [event(*page_list[i % len(page_list)], start + i % 7200) for i in range(opts.events)]
    fill(kinesis, 'consume', events)
    shard = kinesis.list_shards(StreamName='consume')['Shards'][0]['ShardId']
    results = {'consumer, one shard': [], 'bare GetRecords loop (the stand-in)': [],
               'consumer\'s own work on records read': []}
    for run in range(opts.repeat):
        out = os.path.join(scratch, 'consumed-%d' % run)
        leases = Leases(dynamodb, 'consume-leases-%d' % run, 'bench')
        leases.create_table()
        consumer = Consumer(kinesis, leases, 'consume', LocalSink(out))
        began = time.monotonic()
        counts = consumer.run(idle_exit=0.5)
        assert counts['events'] == opts.events, counts
        seconds = consumer.last_record - began
        results['consumer, one shard'].append(dict(seconds=seconds, events_per_s=opts.events / seconds))

        began, records = time.monotonic(), []
        iterator = kinesis.get_shard_iterator(StreamName='consume', ShardId=shard,
                                              ShardIteratorType='TRIM_HORIZON')['ShardIterator']
        while True:
            page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
            if not page['Records']:
                break
            records += page['Records']
            iterator = page['NextShardIterator']
        seconds = time.monotonic() - began
        results['bare GetRecords loop (the stand-in)'].append(
            dict(seconds=seconds, events_per_s=opts.events / seconds))

        # what the consumer does with records once read: files made and written
        sink, began, written = LocalSink(out + '-alone'), time.monotonic(), 0
        for i in range(0, len(records), 10000):
            files, events, _ = files_of(records[i:i + 10000], shard)
            for name, data in files:
                sink.write(name, data)
            written += events
        seconds = time.monotonic() - began
        assert written == opts.events, written
        results['consumer\'s own work on records read'].append(
            dict(seconds=seconds, events_per_s=opts.events / seconds))
        shutil.rmtree(out)
        shutil.rmtree(out + '-alone')
    return results


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def report(opts, beacon, consumer, note):
    lines = ['# Stream benchmark results', '',
             'Made %s by `make bench-stream` on %s cores, Python %s; the beacon pinned to CPU %s, wrk '
             '(1 thread, %d connections, %d s a run) and moto\'s server on the other; medians of %d runs.'
             % (time.strftime('%Y-%m-%d'), os.cpu_count(), sys.version.split()[0], BEACON_CORE,
                opts.connections, opts.seconds, opts.repeat), '',
             '## The beacon', '',
             '| load | requests/s | events/s | p50 ms | p99 ms | server\'s CPU | most queued | 503s | errors |',
             '|---|---:|---:|---:|---:|---:|---:|---:|---:|']
    for name, runs in beacon.items():
        queued = '%d' % max(r['max_depth'] for r in runs) if 'max_depth' in runs[0] else '-'
        rejected = '%d' % sum(r['rejected'] for r in runs) if 'rejected' in runs[0] else '-'
        lines.append('| %s | %.0f | %.0f | %.2f | %.2f | %.0f%% | %s | %s | %d |' % (
            name, statistics.median(r['requests'] / r['seconds'] for r in runs),
            median(runs, 'events_per_s'), median(runs, 'p50_ms'), median(runs, 'p99_ms'),
            median(runs, 'cpu_percent'), queued,
            rejected, sum(r['socket_errors'] + r['non_2xx'] for r in runs)))
    drained = max(r['drained_s'] for name, runs in beacon.items() for r in runs if 'drained_s' in r)
    lines += ['', 'After each load the queue was empty within %.2f s at most. The beacon\'s own '
              'summary at exit: `%s`' % (drained, note.splitlines()[-1] if note else ''), '',
              '## The consumer, one shard, %d events' % opts.events, '',
              '| what | seconds | events/s |', '|---|---:|---:|']
    for name, runs in consumer.items():
        lines.append('| %s | %.2f | %.0f |' % (name, median(runs, 'seconds'), median(runs, 'events_per_s')))
    return '\n'.join(lines) + '\n'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='1 run of 3 s, 200,000 events')
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--seconds', type=int, default=10, help='each wrk run (default 10)')
    parser.add_argument('--connections', type=int, default=64, help='wrk\'s connections (default 64)')
    parser.add_argument('--batch', type=int, default=100, help='events per POST (default 100)')
    parser.add_argument('--events', type=int, default=1000000, help='events in the consumer\'s shard')
    parser.add_argument('--out', default=os.path.join(HERE, 'STREAM.md'), help='where the table goes')
    opts = parser.parse_args(argv)
    if opts.quick:
        opts.repeat, opts.seconds, opts.events = 1, 3, 200000
    if not shutil.which('wrk'):
        sys.exit('bench-stream: error: wrk is not installed (Debian: apt-get install wrk)')
    if os.cpu_count() < 2:
        sys.exit('bench-stream: error: needs 2 cores (the beacon on one, the load on the other)')
    os.environ.update(AWS_ACCESS_KEY_ID='stand-in', AWS_SECRET_ACCESS_KEY='stand-in',
                      AWS_DEFAULT_REGION='us-east-1', AWS_CONFIG_FILE='/dev/null',
                      AWS_SHARED_CREDENTIALS_FILE='/dev/null', AWS_EC2_METADATA_DISABLED='true')
    moto, endpoint = moto_server()
    scratch = tempfile.mkdtemp(prefix='mrtally-bench-stream-')
    try:
        beacon, note = beacon_runs(opts, endpoint, scratch)
        consumer = consumer_runs(opts, endpoint, scratch)
    finally:
        moto.terminate()
        moto.wait()
        shutil.rmtree(scratch, ignore_errors=True)
    text = report(opts, beacon, consumer, note)
    print(text)
    with open(opts.out, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    main()
