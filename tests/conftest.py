import bz2
import contextlib
import gzip
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from jobs.summary import NothingValid

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / 'tests' / 'fixtures'
INPUTS = ROOT / 'inputs'


def spark_args(tmp_dir):
    """mrjob switches for Spark on this machine: local master, no web UI, temp
    files in the test's own directory, executors on this interpreter."""
    conf = ['spark.ui.enabled=false', 'spark.local.dir=%s' % tmp_dir]
    return ['-c', str(ROOT / 'emr' / 'mrjob.conf'), '--spark-master', 'local[2]',
            '--spark-tmp-dir', str(tmp_dir), '--python-bin', sys.executable,
            *[a for c in conf for a in ('--spark-args=--conf', '--spark-args=' + c)]]


@pytest.fixture
def spark(tmp_path, monkeypatch):
    """Switches for run_job(..., runner='spark'); Spark bound to loopback."""
    monkeypatch.setenv('SPARK_LOCAL_IP', '127.0.0.1')
    return spark_args(tmp_path)


def run_job(job_class, args, runner='inline', nothing_valid_ok=False):
    """Run a job as its command line would; return its output lines (bytes,
    without line ends) and its counters merged over steps. With
    ``nothing_valid_ok``, a run that found nothing valid gives no lines."""
    # the cluster runners' tests name their configs; the rest run on defaults
    conf = [] if runner in ('spark', 'hadoop') else ['--no-conf']
    job = job_class(args=['-r', runner, *conf, *map(str, args)])
    with job.make_runner() as r:
        try:
            job.run_to_output(r)
            lines = b''.join(job.output_chunks(r)).splitlines()
        except NothingValid:
            if not nothing_valid_ok:
                raise
            lines = []
        counters = defaultdict(int)
        for step in r.counters():
            for group, names in step.items():
                for name, n in names.items():
                    counters[group, name] += n
        return lines, dict(counters)


def run_cli(module, *args):
    """Run ``python -m jobs.<module> ARGS`` from the repository root."""
    return subprocess.run([sys.executable, '-m', 'jobs.' + module, *map(str, args)],
                          cwd=ROOT, capture_output=True)


def write_dump(path, lines):
    """Write pageview lines (bytes) to ``path``, compressed as its name says."""
    data = b''.join(line + b'\n' for line in lines)
    opener = {'.gz': gzip.open, '.bz2': bz2.open}.get(path.suffix, open)
    with opener(path, 'wb') as f:
        f.write(data)
    return path


def read_any(path):
    """The bytes of a file, decompressed as its name says."""
    decompress = {'.gz': gzip.decompress, '.bz2': bz2.decompress}.get(path.suffix, bytes)
    return decompress(path.read_bytes())


def sample_reference(directory=INPUTS / 'pageviews'):
    """Valid records (see reference.pageview_lines) of every file in a
    directory, each with its file's name, and the number of malformed lines."""
    import reference
    records, bad = [], 0
    for path in sorted(directory.iterdir()):
        valid, malformed = reference.pageview_lines(read_any(path))
        records += [(*record, path.name) for record in valid]
        bad += malformed
    return records, bad


@pytest.fixture(scope='session')
def hdfs(tmp_path_factory):
    """One MiniDFSCluster on 127.0.0.1 for the whole test run (a JVM start
    costs seconds)."""
    from local_hadoop import MiniDFS
    cluster = MiniDFS(tmp_path_factory.mktemp('minidfs')).start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope='session')
def postgres():
    """A PostgreSQL server on 127.0.0.1 for the whole test run; its libpq
    connection string."""
    from local_postgres import PostgreSQL
    server = PostgreSQL().start()
    yield server.dsn
    server.stop()


@pytest.fixture(scope='session')
def moto_endpoint():
    """moto's server on 127.0.0.1 (Kinesis, DynamoDB, S3) for the whole test
    run; its URL. Each test names its own stream and tables."""
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield 'http://%s:%d' % (host, port)
    server.stop()


@pytest.fixture(scope='session')
def kinesis_mock(tmp_path_factory):
    """kinesis-mock (npm's kinesis-local, make test installs it), which
    reshards as Kinesis does, on 127.0.0.1 (tests/loopback.js); its URL."""
    from local_postgres import free_port
    port = free_port()
    log = tmp_path_factory.mktemp('kinesis-mock') / 'log'
    with open(log, 'wb') as out:
        server = subprocess.Popen(
            ['node', '--require', str(ROOT / 'tests' / 'loopback.js'), 'main.js'],
            cwd=ROOT / 'node_modules' / 'kinesis-local', stdout=out, stderr=subprocess.STDOUT,
            env=dict(os.environ, KINESIS_MOCK_PLAIN_PORT=str(port), KINESIS_MOCK_TLS_PORT=str(free_port()),
                     CREATE_STREAM_DURATION='0ms', SPLIT_SHARD_DURATION='0ms', LOG_LEVEL='WARN'))
    try:
        for _ in range(300):
            if server.poll() is not None:
                raise RuntimeError('kinesis-mock stopped: %s' % log.read_text())
            try:
                socket.create_connection(('127.0.0.1', port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError('kinesis-mock did not listen within 30 s: %s' % log.read_text())
        yield 'http://127.0.0.1:%d' % port
    finally:
        server.terminate()
        server.wait()


@pytest.fixture
def aws(moto_endpoint, monkeypatch):
    """boto3 clients on moto's server (fake credentials, a fixed region)."""
    import boto3
    for name, value in (('AWS_ACCESS_KEY_ID', 'testing'), ('AWS_SECRET_ACCESS_KEY', 'testing'),
                        ('AWS_DEFAULT_REGION', 'us-east-1')):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv('AWS_PROFILE', raising=False)
    return lambda service: boto3.client(service, endpoint_url=moto_endpoint)


EMR_BUCKET = 'mrtally-test'


@pytest.fixture(scope='session')
def packed_bills(tmp_path_factory):
    """The sample bills, packed (inline)."""
    from jobs.mr_pack_bills import MRPackBills
    packed = tmp_path_factory.mktemp('packed') / 'bills'
    run_job(MRPackBills, ['--output-dir', packed, INPUTS / 'bills'])
    return packed


@pytest.fixture(scope='session')
def emr(tmp_path_factory, packed_bills):
    """The EMR stand-in (tests/fake_emr.py) whose steps run on real Hadoop,
    for the whole test run, with inputs/ in S3 under ``inputs/``, and the
    sample bills packed under ``inputs/packed/``."""
    from fake_emr import FakeEMR
    with pytest.MonkeyPatch.context() as monkeypatch:
        fake = FakeEMR(tmp_path_factory.mktemp('emr'))
        fake.start(monkeypatch)
        s3 = fake.bucket(EMR_BUCKET)
        for path in sorted(INPUTS.rglob('*')):
            if path.is_file() and path.suffix != '.py' and path.name != 'README.md':
                s3.upload_file(str(path), EMR_BUCKET, 'inputs/' + str(path.relative_to(INPUTS)))
        for part in packed_bills.glob('part-*'):
            s3.upload_file(str(part), EMR_BUCKET, 'inputs/packed/' + part.name)
        yield fake
        fake.stop()


@contextlib.contextmanager
def run_on_emr(emr, monkeypatch, job_class, args, inputs, output_dir):
    """Run a job with -r emr -c emr/mrjob.conf against the stand-in, reading
    ``s3://BUCKET/inputs/<inputs>``; gives its output lines (bytes), read back
    from S3, the job and its runner, until mrjob cleans up."""
    # relative paths in emr/mrjob.conf are relative to the repository root
    monkeypatch.chdir(ROOT)
    job = job_class(args=['-r', 'emr', '-c', 'emr/mrjob.conf', *emr.runner_args(EMR_BUCKET),
                          '--output-dir', output_dir, *map(str, args),
                          's3://%s/inputs/%s' % (EMR_BUCKET, inputs)])
    with job.make_runner() as runner:
        job.run_to_output(runner)
        yield b''.join(job.output_chunks(runner)).splitlines(), job, runner


@pytest.fixture
def fake_aws(monkeypatch):
    """A FakeEMR (moto on 127.0.0.1) for one test, with every AWS client pointed at it."""
    from fake_emr import FakeEMR
    fake = FakeEMR()
    fake.start(monkeypatch)
    yield fake
    fake.stop()


@pytest.fixture(scope='session')
def bill_tree(tmp_path_factory):
    """The real fixture bills, loose, gzipped, bzipped and in a zip."""
    import zipfile
    top = tmp_path_factory.mktemp('bills')
    loose, mixed = top / 'loose', top / 'mixed'
    shutil.copytree(FIXTURES / 'bills', loose)
    mixed.mkdir()
    for i, path in enumerate(sorted(loose.iterdir())):
        data = path.read_bytes()
        if path.name.startswith('uslm-'):
            with zipfile.ZipFile(mixed / 'BILLS-uslm.zip', 'a', zipfile.ZIP_DEFLATED) as z:
                z.writestr(path.name, data)
        elif i % 3 == 0:
            (mixed / (path.name + '.gz')).write_bytes(gzip.compress(data))
        elif i % 3 == 1:
            (mixed / (path.name + '.bz2')).write_bytes(bz2.compress(data))
        else:
            (mixed / path.name).write_bytes(data)
    return loose, mixed
