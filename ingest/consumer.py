"""Read a Kinesis stream, one worker per shard, into hourly pageview dump files.

Leases live in a DynamoDB table, as the Kinesis Client Library keeps them: one
item per shard with its ``owner``, a ``counter`` the owner raises as a
heartbeat, and its ``checkpoint``. A lease whose counter has not moved for
``--failover`` seconds is taken over; every write is conditional on owner and
counter, so two consumers never both hold a shard. A shard's children are read
only once the parent's checkpoint is ``SHARD_END``.

Exactly once. A batch of records, from sequence number S to E, becomes one file
per hour of the events' own time stamps, named
``pageviews-YYYYMMDD-HH0000-<shard>-<S>.gz``, whose bytes depend only on the
records S..E. Before writing, the lease records ``pending = S..E``; after the
files are durable (written aside, fsynced, renamed; or one S3 put each), the
checkpoint moves to E and ``pending`` is cleared, in one conditional write.
A consumer that starts on a lease with ``pending`` reads exactly S..E again and
rewrites the same files whole, so a crash at any point leaves every event in
exactly one file. Events with a bad domain or title (the dumps' rules) are
counted and left out.

GetRecords is called at most 5 times a second per shard, for at most 10,000
records; an expired iterator is replaced from the checkpoint.

Sample command line:

    python -m ingest.consumer --stream pageviews --leases pageviews-leases \\
        --out streamed/ --endpoint-url http://127.0.0.1:5000 --idle-exit 5
"""
import argparse
import itertools
import logging
import os
import random
import re
import socket
import sys
import time
import uuid

from botocore.exceptions import BotoCoreError, ClientError

from ingest.aws import add_arguments, clients, transient
from ingest.events import BadEvent, dump_file, hour_of, parse_event

__all__ = ['Leases', 'LocalSink', 'S3Sink', 'Consumer', 'files_of', 'main']

log = logging.getLogger('ingest.consumer')

TRIM_HORIZON, SHARD_END = 'TRIM_HORIZON', 'SHARD_END'
MAX_RECORDS = 10000         # GetRecords' limit per call
CALL_INTERVAL = 0.2         # 5 calls a second per shard
STALE_TEMP = 300.0          # seconds after which a temporary file is a killed writer's
_TEMP_NAME = '.%s.%s.tmp'   # a file's name and a uuid: hidden, so the jobs never read it
_TEMP = re.compile(r'\.pageviews-.+\.[0-9a-f]{32}\.tmp', re.S)


class LeaseLost(Exception):
    """Another consumer holds the shard now."""


class Leases:
    """The lease table: one item per shard."""

    def __init__(self, dynamodb, table, owner):
        self.db, self.table, self.owner = dynamodb, table, owner

    def create_table(self):
        try:
            self.db.create_table(TableName=self.table, BillingMode='PAY_PER_REQUEST',
                                 KeySchema=[{'AttributeName': 'shard_id', 'KeyType': 'HASH'}],
                                 AttributeDefinitions=[{'AttributeName': 'shard_id',
                                                        'AttributeType': 'S'}])
        except ClientError as e:
            if e.response['Error']['Code'] != 'ResourceInUseException':
                raise

    def all(self):
        items, kwargs = [], dict(TableName=self.table, ConsistentRead=True)
        while True:
            page = self.db.scan(**kwargs)
            items += [_lease(i) for i in page['Items']]
            if 'LastEvaluatedKey' not in page:
                return {lease['shard_id']: lease for lease in items}
            kwargs['ExclusiveStartKey'] = page['LastEvaluatedKey']

    def add(self, shard_id):
        try:
            self.db.put_item(TableName=self.table, Item={
                'shard_id': {'S': shard_id}, 'owner': {'S': ''}, 'counter': {'N': '0'},
                'checkpoint': {'S': TRIM_HORIZON}}, ConditionExpression='attribute_not_exists(shard_id)')
        except self.db.exceptions.ConditionalCheckFailedException:
            pass

    def update(self, lease, owner=None, **values):
        """Raise the counter and set ``values`` (None removes one), if
        ``lease`` is still as we saw it; the new lease, or LeaseLost."""
        names, sets, removes, attrs = {'#o': 'owner', '#c': 'counter'}, ['#o = :me', '#c = :next'], [], {
            ':me': {'S': self.owner if owner is None else owner},
            ':seen': {'N': str(lease['counter'])}, ':next': {'N': str(lease['counter'] + 1)},
            ':was': {'S': lease['owner']}}
        for i, (name, value) in enumerate(sorted(values.items())):
            names['#a%d' % i] = name
            if value is None:
                removes.append('#a%d' % i)
            else:
                sets.append('#a%d = :v%d' % (i, i))
                attrs[':v%d' % i] = {'S': value}
        expression = 'SET ' + ', '.join(sets) + (' REMOVE ' + ', '.join(removes) if removes else '')
        try:
            self.db.update_item(TableName=self.table, Key={'shard_id': {'S': lease['shard_id']}},
                                UpdateExpression=expression, ExpressionAttributeNames=names,
                                ExpressionAttributeValues=attrs,
                                ConditionExpression='#c = :seen AND #o = :was')
        except self.db.exceptions.ConditionalCheckFailedException:
            raise LeaseLost(lease['shard_id']) from None
        new = dict(lease, owner=attrs[':me']['S'], counter=lease['counter'] + 1)
        for name, value in values.items():
            if value is None:
                new.pop(name, None)
            else:
                new[name] = value
        return new


def _lease(item):
    lease = {k: v.get('S', v.get('N')) for k, v in item.items()}
    lease['counter'] = int(lease['counter'])
    return lease


def files_of(records, shard_id):
    """The dump files of a batch of records read from a shard, one per hour of
    the events' time stamps, named by the shard and the batch's first sequence
    number: ``([(name, gzipped bytes)], events, bad events)``."""
    hours, bad = {}, 0
    for record in records:
        for line in record['Data'].split(b'\n'):
            if not line:
                continue
            try:
                seconds, domain, title = parse_event(line)
            except BadEvent:
                bad += 1
                continue
            hours.setdefault(seconds // 3600, []).append((domain, title))
    shard, start = shard_id.rsplit('-', 1)[-1], records[0]['SequenceNumber']
    files = [('pageviews-%s0000-%s-%s.gz' % (hour_of(hour * 3600), shard, start), dump_file(events))
             for hour, events in sorted(hours.items())]
    return files, sum(map(len, hours.values())), bad


class LocalSink:
    """Files in a directory: written aside, fsynced, then renamed into place.
    A write takes milliseconds, so a temporary file older than ``stale_after``
    is one a killed writer left: ``sweep`` removes those, and the consumer
    calls it whenever it takes a lease (a stalled writer that wakes after that
    finds its file gone and its lease lost)."""

    def __init__(self, directory, stale_after=STALE_TEMP):
        self.directory, self.stale_after = directory, stale_after
        os.makedirs(directory, exist_ok=True)

    def sweep(self):
        """Remove stale temporary files; how many."""
        removed, now = 0, time.time()
        for entry in os.scandir(self.directory):
            if not _TEMP.fullmatch(entry.name):
                continue
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime > self.stale_after:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:   # another consumer swept it first
                pass
        return removed

    def write(self, name, data):
        path = os.path.join(self.directory, name)
        temp = os.path.join(self.directory, _TEMP_NAME % (name, uuid.uuid4().hex))
        with open(temp, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.replace(temp, path)
        except FileNotFoundError:   # swept: this writer stalled past stale_after
            raise LeaseLost('%s: written too late, another consumer holds the shard' % name) from None
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class S3Sink:
    """Objects under an S3 prefix: a put is whole or not at all."""

    def __init__(self, s3, url):
        bucket, _, prefix = url[len('s3://'):].partition('/')
        self.s3, self.bucket, self.prefix = s3, bucket, prefix.rstrip('/') + '/' if prefix else ''

    def sweep(self):
        return 0    # nothing is written aside

    def write(self, name, data):
        self.s3.put_object(Bucket=self.bucket, Key=self.prefix + name, Body=data)


class Consumer:
    def __init__(self, kinesis, leases, stream, sink, failover=10.0, batch=MAX_RECORDS):
        self.kinesis, self.leases, self.stream, self.sink = kinesis, leases, stream, sink
        self.failover, self.batch = failover, min(batch, MAX_RECORDS)
        self.held = {}        # shard_id -> [lease, iterator, time of last call]
        self.seen = {}        # shard_id -> (counter, when we saw it) of others' leases
        self.counts = dict(records=0, events=0, bad_events=0, files=0, throttled=0, expired=0, swept=0)
        self.last_record = time.monotonic()
        self.unclaimed = 0

    # -- leases ---------------------------------------------------------------
    def balance(self):
        """Add leases for new shards; take free ones, ones whose owner has
        gone quiet, and, up to a fair share, one of a busier consumer's; drop
        what we lost."""
        shards = self._shards()
        for shard in shards:
            self.leases.add(shard['ShardId'])
        leases = self.leases.all()
        now = time.monotonic()
        quiet = set()     # leases whose counter has not moved for failover seconds
        for shard_id, lease in leases.items():
            counter, since = self.seen.get(shard_id, (None, now))
            if counter != lease['counter']:
                self.seen[shard_id] = (lease['counter'], now)
            elif now - since >= self.failover:
                quiet.add(shard_id)
        for shard_id in list(self.held):
            if leases.get(shard_id, {}).get('owner') != self.leases.owner:
                del self.held[shard_id]
        open_ = {i: l for i, l in leases.items()
                 if l['checkpoint'] != SHARD_END and self._parents_done(shards, i, leases)}
        # a fair share: the open shards over the consumers that are alive
        owners = {l['owner'] for i, l in open_.items() if l['owner'] and i not in quiet}
        share = -(-len(open_) // len(owners | {self.leases.owner}))
        self.unclaimed = 0    # leases free, or whose owner has gone quiet
        for shard_id, lease in sorted(open_.items()):
            if shard_id in self.held or (lease['owner'] and shard_id not in quiet):
                continue
            self.unclaimed += 1
            if len(self.held) < share:
                self._take(lease, now)
        self._steal({i: l for i, l in open_.items() if i not in quiet}, share, now)

    def _take(self, lease, now):
        try:
            self.held[lease['shard_id']] = [self.leases.update(lease), None, 0.0]
        except LeaseLost:
            return
        self.unclaimed = max(0, self.unclaimed - 1)
        self.last_record = now
        self.counts['swept'] += self.sink.sweep()
        log.info('took the lease of %s', lease['shard_id'])

    def _steal(self, open_, share, now):
        """Take one lease from a consumer holding more than its share, as the
        KCL does: it finds out at its next conditional write, and stops."""
        if len(self.held) >= share:
            return
        theirs = {}
        for lease in open_.values():
            if lease['owner'] and lease['owner'] != self.leases.owner:
                theirs.setdefault(lease['owner'], []).append(lease)
        richest = max(theirs.values(), key=len, default=[])
        if len(richest) > share:
            self._take(min(richest, key=lambda l: l['shard_id']), now)

    def _shards(self):
        shards, kwargs = [], dict(StreamName=self.stream)
        while True:
            page = self.kinesis.list_shards(**kwargs)
            shards += page['Shards']
            if not page.get('NextToken'):
                return shards
            kwargs = dict(NextToken=page['NextToken'])

    @staticmethod
    def _parents_done(shards, shard_id, leases):
        shard = next((s for s in shards if s['ShardId'] == shard_id), None)
        if shard is None:
            return False
        parents = [shard.get('ParentShardId'), shard.get('AdjacentParentShardId')]
        return all(p not in leases or leases[p]['checkpoint'] == SHARD_END for p in parents if p)

    # -- reading --------------------------------------------------------------
    def _iterator(self, lease, at=None):
        kwargs = dict(StreamName=self.stream, ShardId=lease['shard_id'])
        if at:
            kwargs.update(ShardIteratorType='AT_SEQUENCE_NUMBER', StartingSequenceNumber=at)
        elif lease['checkpoint'] == TRIM_HORIZON:
            kwargs.update(ShardIteratorType='TRIM_HORIZON')
        else:
            kwargs.update(ShardIteratorType='AFTER_SEQUENCE_NUMBER',
                          StartingSequenceNumber=lease['checkpoint'])
        return self.kinesis.get_shard_iterator(**kwargs)['ShardIterator']

    def _get(self, state, iterator):
        """GetRecords, at most 5 times a second; a throttled or failed call
        is made again after a backoff (full jitter) that grows to 5 s."""
        for attempt in itertools.count():
            wait = state[2] + CALL_INTERVAL - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            state[2] = time.monotonic()
            try:
                return self.kinesis.get_records(ShardIterator=iterator, Limit=self.batch)
            except (ClientError, BotoCoreError) as e:
                if not transient(e):
                    raise
                self.counts['throttled'] += 1
                state[2] += random.uniform(0, min(5.0, CALL_INTERVAL * 2 ** attempt))

    def step(self, shard_id):
        """One GetRecords call on a held shard, and what it read written."""
        state = self.held[shard_id]
        lease = state[0]
        if lease.get('pending_start'):
            self._replay(state)
            return
        if state[1] is None:
            state[1] = self._iterator(lease)
        try:
            page = self._get(state, state[1])
        except self.kinesis.exceptions.ExpiredIteratorException:
            log.info('%s: iterator expired, a new one from the checkpoint', shard_id)
            self.counts['expired'] += 1
            state[1] = None
            return
        records = page['Records']
        if records:
            self._write(state, records)
        state[1] = page.get('NextShardIterator')
        if state[1] is None:   # a closed shard, read to its end
            state[0] = self.leases.update(state[0], checkpoint=SHARD_END)
            del self.held[shard_id]
            log.info('%s: read to its end', shard_id)
        elif not records:
            state[0] = self.leases.update(state[0])   # the heartbeat

    def _replay(self, state):
        lease = state[0]
        start, end = lease['pending_start'], lease['pending_end']
        log.info('%s: writing %s..%s again', lease['shard_id'], start, end)
        records, iterator = [], self._iterator(lease, at=start)
        while not records or int(records[-1]['SequenceNumber']) < int(end):
            try:
                page = self._get(state, iterator)
            except self.kinesis.exceptions.ExpiredIteratorException:
                self.counts['expired'] += 1
                return      # the next step starts the replay again
            records += [r for r in page['Records'] if int(r['SequenceNumber']) <= int(end)]
            iterator = page.get('NextShardIterator')
            if iterator is None and (not records or int(records[-1]['SequenceNumber']) < int(end)):
                raise RuntimeError('%s: records %s..%s are gone from the stream'
                                   % (lease['shard_id'], start, end))
        self._write(state, records, pending_written=True)
        state[1] = None

    def _write(self, state, records, pending_written=False):
        lease = state[0]
        start, end = records[0]['SequenceNumber'], records[-1]['SequenceNumber']
        if not pending_written:
            lease = state[0] = self.leases.update(lease, pending_start=start, pending_end=end)
        files, events, bad = files_of(records, lease['shard_id'])
        for name, data in files:
            self.sink.write(name, data)
        state[0] = self.leases.update(lease, checkpoint=end, pending_start=None, pending_end=None)
        # counted once checkpointed: a batch another consumer takes over is its to count
        for name, n in (('records', len(records)), ('files', len(files)), ('bad_events', bad),
                        ('events', events)):
            self.counts[name] += n
        self.last_record = time.monotonic()

    def run(self, idle_exit=None, balance_every=1.0):
        """Read until stopped, or until ``idle_exit`` seconds without records,
        with no lease left free or held by a consumer gone quiet."""
        next_balance = 0.0
        while True:
            if time.monotonic() >= next_balance:
                self.balance()
                next_balance = time.monotonic() + balance_every
            for shard_id in sorted(self.held):
                try:
                    self.step(shard_id)
                except LeaseLost:
                    log.info('lost the lease of %s', shard_id)
                    self.held.pop(shard_id, None)
            if idle_exit is not None and not self.unclaimed and \
                    time.monotonic() - self.last_record >= idle_exit:
                return self.counts
            if not self.held:
                time.sleep(0.2)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--stream', required=True, help='the Kinesis stream')
    parser.add_argument('--leases', required=True, help='the DynamoDB lease table (made if missing)')
    parser.add_argument('--out', required=True, metavar='DIR_OR_S3',
                        help='where the hourly files go: a directory or s3://bucket/prefix/')
    parser.add_argument('--owner', default='%s-%d' % (socket.gethostname(), os.getpid()),
                        help='this consumer in the lease table (default host-pid)')
    parser.add_argument('--failover', type=float, default=10.0,
                        help='seconds without a heartbeat before a lease is taken over (default 10)')
    parser.add_argument('--batch', type=int, default=MAX_RECORDS,
                        help='records a GetRecords call asks for (default and most 10,000)')
    parser.add_argument('--idle-exit', type=float, metavar='SECONDS',
                        help='stop after this long without records (default: run until stopped)')
    add_arguments(parser)
    opts = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format='ingest.consumer: %(message)s')
    kinesis, dynamodb, s3 = clients(opts, 'kinesis', 'dynamodb', 's3', what='ingest.consumer')
    leases = Leases(dynamodb, opts.leases, opts.owner)
    sink = S3Sink(s3, opts.out) if opts.out.startswith('s3://') else LocalSink(opts.out)
    try:
        leases.create_table()
        counts = Consumer(kinesis, leases, opts.stream, sink, opts.failover,
                          opts.batch).run(opts.idle_exit)
    except (ClientError, BotoCoreError) as e:
        sys.exit('ingest.consumer: error: %s' % e)
    except KeyboardInterrupt:
        sys.exit(130)
    print('ingest.consumer: %(records)d records, %(events)d events into %(files)d files;'
          ' %(bad_events)d bad events left out; %(throttled)d calls throttled or failed and'
          ' made again, %(expired)d iterators expired; %(swept)d stale temporary files removed'
          % counts, file=sys.stderr)


if __name__ == '__main__':
    main()
