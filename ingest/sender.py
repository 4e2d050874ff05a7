"""Send pageview events to Kinesis in the background, many to a record.

:class:`Sender` takes events (the bytes of :func:`ingest.events.event`) into a
bounded queue and never blocks its caller: ``offer`` says False when the queue
is full, for the caller to answer 503 and count. A thread joins events into
records (newline-separated, at most ``RECORD_BYTES``), so a shard's 1,000
records/s is not the bound, and sends them with PutRecords: at most 500 records
and 5 MiB a call, each record with a random partition key so that load spreads
over shards. Of a partial failure (``FailedRecordCount``, throttling) only the
failed entries are sent again, with exponential backoff and full jitter. It
flushes when a call's worth is ready or 100 ms after the oldest waiting event,
and ``close`` drains the queue. One client is made and reused.

Sample command line (none: ``ingest.beacon`` runs it).
"""
import logging
import random
import threading
import time
import uuid

from ingest.aws import transient

__all__ = ['Sender', 'RECORD_BYTES']

log = logging.getLogger('ingest.sender')

CALL_RECORDS = 500
CALL_BYTES = 5 * 1024 * 1024
RECORD_BYTES = 64 * 1024       # well under Kinesis' 1 MiB, so a record is quick to retry
FLUSH_AFTER = 0.1


class Sender:
    def __init__(self, kinesis, stream, capacity=100000, backoff=0.05, max_backoff=5.0,
                 record_bytes=RECORD_BYTES):
        self.kinesis, self.stream, self.record_bytes = kinesis, stream, record_bytes
        self.capacity = capacity
        self.backoff, self.max_backoff = backoff, max_backoff
        self.counts = dict(accepted=0, rejected=0, sent=0, failed=0, retried=0, records=0, calls=0)
        # Events wait in a list that the thread takes a call's worth of at a
        # time: one lock a request, not a queue operation an event, so the
        # thread seldom takes the GIL from the caller's event loop.
        # (the lock taken directly where no wait or notify is needed: a C call)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._waiting, self._waiting_bytes, self._oldest = [], 0, None
        self._in_flight = 0
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name='kinesis-sender', daemon=True)
        self._thread.start()

    def offer_all(self, events):
        """Queue every one of ``events``, or none (all counted rejected) if
        they do not all fit."""
        with self._lock:
            if self.capacity - len(self._waiting) - self._in_flight < len(events):
                self.counts['rejected'] += len(events)
                return False
            if not self._waiting:
                self._oldest = time.monotonic()
                self._cond.notify()
            self._waiting += events
            self._waiting_bytes += sum(map(len, events)) + len(events)
            self.counts['accepted'] += len(events)
            if self._waiting_bytes >= CALL_BYTES - RECORD_BYTES:
                self._cond.notify()
        return True

    def offer(self, event):
        """Queue one event; False (and counted) if the queue is full."""
        return self.offer_all([event])

    def depth(self):
        """Events accepted and not yet sent: queued, or in the call being made."""
        with self._lock:
            return len(self._waiting) + self._in_flight

    def close(self, timeout=None):
        """Send everything queued, then stop; the number of events left unsent
        if ``timeout`` came first."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self._thread.join(timeout)
        return self.depth() if self._thread.is_alive() else 0

    # -- the thread -----------------------------------------------------------
    def _take(self):
        """Events for one PutRecords call: a call's worth, or what waited
        FLUSH_AFTER since the oldest came; [] once stopping with none left."""
        with self._cond:
            while not self._waiting and not self._stopping:
                self._cond.wait()
            while not self._stopping and self._waiting_bytes < CALL_BYTES - RECORD_BYTES:
                left = self._oldest + FLUSH_AFTER - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            cut, size = len(self._waiting), self._waiting_bytes
            if size > CALL_BYTES - RECORD_BYTES:    # more than a call's worth: where it ends
                size = 0
                for cut, event in enumerate(self._waiting):
                    if size + len(event) + 1 > CALL_BYTES - RECORD_BYTES and cut:
                        break
                    size += len(event) + 1
                else:
                    cut = len(self._waiting)
            events, self._waiting = self._waiting[:cut], self._waiting[cut:]
            self._waiting_bytes -= size
            self._oldest = time.monotonic() if self._waiting else None
            self._in_flight = len(events)
            return events

    def records_of(self, events):
        """Newline-joined records of at most ``record_bytes`` (one event each
        at least), cut from one join rather than built an event at a time."""
        data = b'\n'.join(events) + b'\n'
        records, start = [], 0
        while start < len(data):
            end = data.rfind(b'\n', start, start + self.record_bytes)
            if end < start:     # one event longer than a record goes alone
                end = data.find(b'\n', start)
            records.append(data[start:end + 1])
            start = end + 1
        return records

    def _run(self):
        while True:
            events = self._take()
            if not events:
                return
            records = self.records_of(events)
            try:
                for i in range(0, len(records), CALL_RECORDS):
                    self._put(records[i:i + CALL_RECORDS])
            except Exception as e:   # a call Kinesis will never take: say so, count it
                log.error('kinesis-sender: %d events not sent: %s', len(events), e)
                done = 'failed'
            else:
                done = 'sent'
            with self._cond:
                self.counts[done] += len(events)
                self._in_flight = 0

    def _put(self, records):
        entries = [dict(Data=r, PartitionKey=uuid.uuid4().hex) for r in records]
        attempt = 0
        while entries:
            try:
                answer = self.kinesis.put_records(StreamName=self.stream, Records=entries)
                results = answer['Records']
                failed = [e for e, r in zip(entries, results) if r.get('ErrorCode')]
            except Exception as e:   # the endpoint is down or refused the call: all again
                if not transient(e):
                    raise
                failed = entries
            with self._cond:
                self.counts['calls'] += 1
                self.counts['records'] += len(entries) - len(failed)
                self.counts['retried'] += len(failed)
            entries = failed
            if entries:
                attempt += 1
                time.sleep(random.uniform(0, min(self.max_backoff, self.backoff * 2 ** attempt)))
