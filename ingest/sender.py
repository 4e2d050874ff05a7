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
import queue
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
        self.queue = queue.Queue(maxsize=capacity)
        self.backoff, self.max_backoff = backoff, max_backoff
        self.counts = dict(accepted=0, rejected=0, sent=0, failed=0, retried=0, records=0, calls=0)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._in_flight = 0
        self._thread = threading.Thread(target=self._run, name='kinesis-sender', daemon=True)
        self._thread.start()

    def offer_all(self, events):
        """Queue every one of ``events``, or none (all counted rejected) if
        they do not all fit. Only one thread may offer, so the room it sees
        can only grow."""
        if self.queue.maxsize - self.queue.qsize() < len(events):
            with self._lock:
                self.counts['rejected'] += len(events)
            return False
        for event in events:
            self.offer(event)
        return True

    def offer(self, event):
        """Queue one event; False (and counted) if the queue is full."""
        try:
            self.queue.put_nowait(event)
        except queue.Full:
            with self._lock:
                self.counts['rejected'] += 1
            return False
        with self._lock:
            self.counts['accepted'] += 1
        return True

    def depth(self):
        """Events accepted and not yet sent: queued, or in the call being made."""
        return self.queue.qsize() + self._in_flight

    def close(self, timeout=None):
        """Send everything queued, then stop; the number of events left unsent
        if ``timeout`` came first."""
        self._stop.set()
        self._thread.join(timeout)
        return self.depth() if self._thread.is_alive() else 0

    # -- the thread -----------------------------------------------------------
    def _take(self):
        """Events for one PutRecords call: as many as fit, or what came within
        FLUSH_AFTER of the first."""
        try:
            first = self.queue.get(timeout=FLUSH_AFTER)
        except queue.Empty:
            return []
        events, size, deadline = [first], len(first) + 1, time.monotonic() + FLUSH_AFTER
        while size < CALL_BYTES - RECORD_BYTES and len(events) < CALL_RECORDS * 200:
            try:
                event = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            events.append(event)
            size += len(event) + 1
        return events

    def records_of(self, events):
        """Newline-joined records of at most ``record_bytes`` (one event each at least)."""
        records, held, size = [], [], 0
        for event in events:
            if held and size + len(event) + 1 > self.record_bytes:
                records.append(b'\n'.join(held) + b'\n')
                held, size = [], 0
            held.append(event)
            size += len(event) + 1
        if held:
            records.append(b'\n'.join(held) + b'\n')
        return records

    def _run(self):
        while not (self._stop.is_set() and self.queue.empty()):
            events = self._take()
            self._in_flight = len(events)
            if events:
                records = self.records_of(events)
                try:
                    for i in range(0, len(records), CALL_RECORDS):
                        self._put(records[i:i + CALL_RECORDS])
                except Exception as e:   # a call Kinesis will never take: say so, count it
                    log.error('kinesis-sender: %d events not sent: %s', len(events), e)
                    with self._lock:
                        self.counts['failed'] += len(events)
                        self._in_flight = 0
                    continue
                with self._lock:
                    self.counts['sent'] += len(events)
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
            with self._lock:
                self.counts['calls'] += 1
                self.counts['records'] += len(entries) - len(failed)
                self.counts['retried'] += len(failed)
            entries = failed
            if entries:
                attempt += 1
                time.sleep(random.uniform(0, min(self.max_backoff, self.backoff * 2 ** attempt)))
