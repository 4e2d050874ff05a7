"""Kinesis to hourly dump files (ingest.consumer, fed by ingest.sender), on
moto's server: the batch jobs count the streamed files as they count the
sources, after crashes and with two consumers at once."""
import calendar
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from conftest import INPUTS, ROOT, read_any, run_job
from ingest.consumer import Consumer, Leases, LocalSink
from ingest.events import event
from ingest.sender import Sender
from jobs.mr_hourly_views import MRHourlyViews
from jobs.mr_page_views import MRPageViews
from jobs.pageviews import hour_of_file
from reference import pageview_lines

HOURS = sorted(INPUTS.joinpath('pageviews').glob('pageviews-*0000.gz'))


def source_events(limit=None):
    """One event per view of the valid lines of the sample hours (read by the
    tests' own parser), stamped with a second inside the line's hour."""
    events = []
    for path in HOURS:
        start = calendar.timegm(time.strptime(hour_of_file(path.name), '%Y-%m-%dT%H'))
        valid, _ = pageview_lines(read_any(path))
        for i, (domain, title, views, _) in enumerate(valid):
            events += [event(domain, title, start + (i * 7 + n) % 3600) for n in range(views)]
    random.Random(1).shuffle(events)
    return events[:limit]


def expected_views(events):
    """MRPageViews' rows over the events, worked out apart from every job."""
    counts = {}
    for e in events:
        _, domain, title = e.split(b' ')
        counts[domain, title] = counts.get((domain, title), 0) + 1
    return sorted(b'%s\t%s\t%d' % (d, t, n) for (d, t), n in counts.items())


def stream_with(aws, name, events, shards=2, record_bytes=4096):
    kinesis = aws('kinesis')
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    sender = Sender(kinesis, name, capacity=len(events) + 1, record_bytes=record_bytes)
    assert all(sender.offer(e) for e in events)
    sender.close()
    assert sender.counts['sent'] == len(events) and sender.counts['failed'] == 0
    return sender.counts


def consumer_command(stream, out, owner, *extra):
    return [sys.executable, '-m', 'ingest.consumer', '--stream', stream, '--leases', stream + '-leases',
            '--out', str(out), '--endpoint-url', os.environ['MRTALLY_TEST_ENDPOINT'], '--owner', owner,
            *extra]


@pytest.fixture
def endpoint(moto_endpoint, aws, monkeypatch):
    monkeypatch.setenv('MRTALLY_TEST_ENDPOINT', moto_endpoint)
    return moto_endpoint


def test_the_jobs_count_the_streamed_files_as_they_count_the_sources(aws, tmp_path):
    events = source_events()
    counts = stream_with(aws, 'whole', events, record_bytes=64 * 1024)
    assert counts['records'] < len(events) / 100       # many events to a record
    leases = Leases(aws('dynamodb'), 'whole-leases', 'me')
    leases.create_table()
    done = Consumer(aws('kinesis'), leases, 'whole', LocalSink(str(tmp_path / 'out'))).run(idle_exit=1.5)
    assert done['events'] == len(events) and done['bad_events'] == 0
    names = sorted(p.name for p in (tmp_path / 'out').iterdir())
    assert names and all(n.startswith(('pageviews-20240101-000000-', 'pageviews-20240101-010000-'))
                         for n in names)
    streamed, _ = run_job(MRPageViews, [tmp_path / 'out'])
    assert sorted(streamed) == expected_views(events)
    assert streamed == run_job(MRPageViews, HOURS)[0]
    # and the hours, from the files' names
    assert run_job(MRHourlyViews, [tmp_path / 'out'])[0] == run_job(MRHourlyViews, HOURS)[0]
    assert {lease['checkpoint'] for lease in leases.all().values()} != {'TRIM_HORIZON'}


@pytest.mark.parametrize('seed', range(20))
def test_a_consumer_killed_at_any_moment_loses_and_repeats_nothing(endpoint, aws, tmp_path, seed):
    rng = random.Random(seed)
    events = source_events(limit=4000)
    stream = 'killed-%d' % seed
    stream_with(aws, stream, events, record_bytes=rng.choice([300, 1000, 4000]))
    out = tmp_path / 'out'
    kills = 0
    for attempt in range(30):
        # a new owner each time: the dead one's leases are taken over after --failover
        command = consumer_command(stream, out, 'c%d' % attempt, '--batch', str(rng.choice([5, 20, 60])),
                                   '--failover', '0.3', '--idle-exit', '1.5')
        with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE) as consumer:
            if attempt < 4:
                try:
                    consumer.wait(timeout=rng.uniform(0.3, 2.5))
                except subprocess.TimeoutExpired:
                    consumer.send_signal(signal.SIGKILL)
                    consumer.wait()
                    kills += 1
                    continue
            _, note = consumer.communicate(timeout=120)
            assert consumer.returncode == 0, note.decode()
            break
    assert kills >= 1
    # files being written when a consumer died are left aside, never under a dump's name
    assert all(p.name.endswith('.gz') or p.name.startswith('.') for p in out.iterdir())
    streamed, _ = run_job(MRPageViews, [out])
    assert sorted(streamed) == expected_views(events)


def test_throttled_calls_and_expired_iterators_lose_and_repeat_nothing(
        endpoint, aws, tmp_path, monkeypatch):
    from kinesis_faults import KinesisFaults
    events = source_events(limit=3000)
    stream_with(aws, 'faulty', events, record_bytes=400)
    # every 3rd GetRecords throttled, every 4th iterator expired
    faults = KinesisFaults(endpoint, throttle_every=3, expire_every=4).start()
    monkeypatch.setenv('MRTALLY_TEST_ENDPOINT', faults.url)
    try:
        command = consumer_command('faulty', tmp_path / 'out', 'me', '--batch', '40', '--idle-exit', '2')
        done = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=300)
    finally:
        faults.stop()
    assert done.returncode == 0, done.stderr.decode()
    note = done.stderr.decode()
    assert '%d calls throttled' % faults.counts['throttled'] in note, note
    assert '%d iterators expired' % faults.counts['expired'] in note, note
    assert faults.counts['throttled'] > 5 and faults.counts['expired'] > 5
    assert sorted(run_job(MRPageViews, [tmp_path / 'out'])[0]) == expected_views(events)


def test_two_consumers_at_once_read_every_shard_once(endpoint, aws, tmp_path):
    events = source_events(limit=8000)
    stream_with(aws, 'pair', events, shards=4, record_bytes=500)
    out = tmp_path / 'out'
    pair = [subprocess.Popen(consumer_command('pair', out, name, '--batch', '20', '--idle-exit', '3'),
                             cwd=ROOT, stderr=subprocess.PIPE) for name in ('left', 'right')]
    notes = [p.communicate(timeout=180)[1].decode() for p in pair]
    assert [p.returncode for p in pair] == [0, 0], notes
    # each read some of the stream (the leases were shared out), together all of it once
    read = [int(n.split('records, ')[1].split(' events')[0]) for n in notes]
    assert sum(read) == len(events) and min(read) > 0, notes
    assert sorted(run_job(MRPageViews, [out])[0]) == expected_views(events)


def test_a_shard_split_mid_run_is_read_parent_first_then_children(
        kinesis_mock, endpoint, aws, tmp_path, monkeypatch):
    # kinesis-mock, unlike moto, closes a split parent and puts into its children
    import boto3
    kinesis = boto3.client('kinesis', endpoint_url=kinesis_mock)

    def active():
        while kinesis.describe_stream_summary(StreamName='split')[
                'StreamDescriptionSummary']['StreamStatus'] != 'ACTIVE':
            time.sleep(0.05)

    def send(events):
        sender = Sender(kinesis, 'split', capacity=len(events), record_bytes=2000)
        assert sender.offer_all(events)
        sender.close()
        assert sender.counts['sent'] == len(events)

    events = source_events(limit=4000)
    kinesis.create_stream(StreamName='split', ShardCount=1)
    active()
    send(events[:2000])
    monkeypatch.setenv('AWS_ENDPOINT_URL_KINESIS', kinesis_mock)
    monkeypatch.setenv('AWS_ENDPOINT_URL_DYNAMODB', endpoint)
    command = consumer_command('split', tmp_path / 'out', 'me', '--batch', '2', '--idle-exit', '5')
    at = command.index('--endpoint-url')
    del command[at:at + 2]      # each service its own endpoint, from the environment
    leases = Leases(aws('dynamodb'), 'split-leases', 'test')
    with subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE) as consumer:
        # split the shard once the consumer is part way through it
        while not any(l['checkpoint'] != 'TRIM_HORIZON' for l in _leases(leases)):
            assert consumer.poll() is None, consumer.stderr.read().decode()
            time.sleep(0.1)
        kinesis.split_shard(StreamName='split', ShardToSplit='shardId-000000000000',
                            NewStartingHashKey=str(2 ** 127))
        assert _leases(leases)[0]['checkpoint'] != 'SHARD_END'
        active()
        send(events[2000:])
        _, note = consumer.communicate(timeout=180)
    assert consumer.returncode == 0, note.decode()
    read = {l['shard_id']: l['checkpoint'] for l in _leases(leases)}
    assert read['shardId-000000000000'] == 'SHARD_END'
    assert len(read) == 3 and 'TRIM_HORIZON' not in read.values()
    shards = {p.name.split('-')[3] for p in (tmp_path / 'out').iterdir()}
    assert shards == {'000000000000', '000000000001', '000000000002'}
    assert sorted(run_job(MRPageViews, [tmp_path / 'out'])[0]) == expected_views(events)


def _leases(leases):
    """The lease table's items in shard order, none before it exists."""
    try:
        return sorted(leases.all().values(), key=lambda l: l['shard_id'])
    except leases.db.exceptions.ResourceNotFoundException:
        return []


def test_what_a_killed_writer_left_aside_is_swept_once_stale(endpoint, aws, tmp_path):
    out = tmp_path / 'out'
    out.mkdir()
    left = out / ('.pageviews-20240101-000000-0000-7.gz.%s.tmp' % ('a' * 32))    # a dead writer's
    writing = out / ('.pageviews-20240101-000000-0001-9.gz.%s.tmp' % ('b' * 32))  # a live one's
    theirs = out / '.notes.tmp'                                                   # not ours at all
    for path in (left, writing, theirs):
        path.write_bytes(b'1 en A\n')
    hour_ago = time.time() - 3600
    for path in (left, theirs):
        os.utime(path, (hour_ago, hour_ago))
    events = source_events(limit=50)
    stream_with(aws, 'swept', events, shards=1)
    done = subprocess.run(consumer_command('swept', out, 'me', '--idle-exit', '1'), cwd=ROOT,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert '; 1 stale temporary files removed' in done.stderr.decode()
    assert not left.exists() and writing.exists() and theirs.exists()
    assert sorted(run_job(MRPageViews, [out])[0]) == expected_views(events)
