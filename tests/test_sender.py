"""The sender (ingest.sender) on moto's Kinesis: records within Kinesis'
limits, and every event sent once."""
from ingest.sender import CALL_RECORDS, Sender
from test_beacon import stream_events


def test_records_hold_many_events_and_stay_under_their_size(aws):
    sender = Sender(aws('kinesis'), 'unused', record_bytes=100)
    events = [b'1704067200 en Page_%d' % i for i in range(50)]
    records = sender.records_of(events)
    sender.close()
    assert b''.join(records) == b''.join(e + b'\n' for e in events)
    assert all(len(r) <= 100 for r in records) and len(records) == 13   # 21-22 bytes an event, 4 a record
    assert sender.records_of([b'x' * 500]) == [b'x' * 500 + b'\n']      # one too big goes alone


def test_a_call_takes_at_most_500_records(aws):
    kinesis = aws('kinesis')
    kinesis.create_stream(StreamName='calls', ShardCount=3)
    sender = Sender(kinesis, 'calls', capacity=2000, record_bytes=10)   # one event a record
    events = [b'1704067200 en P%d' % i for i in range(1201)]
    assert all(sender.offer(e) for e in events)
    sender.close()
    assert sender.counts['records'] == 1201 and sender.counts['calls'] >= 1201 / CALL_RECORDS
    assert sender.counts['sent'] == 1201 and sender.depth() == 0
    assert stream_events(kinesis, 'calls') == sorted(events)


def test_only_the_failed_entries_of_a_throttled_call_are_sent_again(aws, moto_endpoint):
    from kinesis_faults import KinesisFaults
    import boto3
    moto = aws('kinesis')
    moto.create_stream(StreamName='throttled', ShardCount=2)
    faults = KinesisFaults(moto_endpoint, seed=3, put_failure=0.4).start()
    try:
        sender = Sender(boto3.client('kinesis', endpoint_url=faults.url), 'throttled',
                        capacity=3000, backoff=0.001, record_bytes=40)
        events = [b'1704067200 en P%d' % i for i in range(2000)]
        assert all(sender.offer(e) for e in events)
        sender.close()
    finally:
        faults.stop()
    # about 0.4 of 1,000 records fail at the first try, 0.4 of those at the second...
    assert faults.counts['failed_entries'] > 400
    assert sender.counts['retried'] == faults.counts['failed_entries']
    assert sender.counts['sent'] == 2000 and sender.counts['failed'] == 0
    assert stream_events(moto, 'throttled') == sorted(events)     # each once
