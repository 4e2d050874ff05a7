"""A local stand-in for AWS: moto's server on 127.0.0.1, in this process, and
real Hadoop to run EMR's steps.

moto answers EMR, S3 and IAM calls for real (over HTTP, through boto3), but it
never runs a step: steps stay PENDING or RUNNING forever. This helper fills that
gap, and records what the runner asked EMR for:

* every RunJobFlow, AddJobFlowSteps and AddTags request body, as AWS would
  receive it;
* DescribeStep moves the steps of a cluster along in order, one change per
  call; a step that starts running is run to its end right there: its own
  ``hadoop-streaming`` arguments, exactly as AddJobFlowSteps sent them, go to
  the local Hadoop (``hadoop jar`` with the streaming jar, as EMR's
  command-runner does), then the step is COMPLETED or FAILED by its exit status.
  mrjob's master node setup step (script-runner, which copies ``--libjars``
  to the master) runs its script from S3 with ``sh``, its ``aws s3 cp``
  answered by boto3. The master's ``/home/hadoop`` is a directory of the
  stand-in's, in that script and in the steps' arguments alike.

That Hadoop reads ``s3://`` as an EMR node does: through S3A (EMR's own
filesystem on a real cluster) against moto's S3. So everything a step reads
(the inputs, the job's script and tarball, mrjob's wrappers, manifests) is what
the runner uploaded, and its output goes back to S3. The one difference from
EMR is where steps other than the last write: mrjob puts them in HDFS, and
Hadoop's LocalJobRunner, whose staging area is always local, cannot localize a
job's files from S3 while HDFS is the default filesystem (they are looked up
there under their local staging path). So the runner is told to keep them in
S3 (``--step-output-dir``, a switch of mrjob's). Nothing of moto, boto3 or
mrjob is replaced.
"""
import json
import logging
import os
import subprocess
import sys
import tempfile
import uuid

import boto3
from moto.emr.models import ElasticMapReduceBackend
from moto.emr.responses import ElasticMapReduceResponse
from moto.server import ThreadedMotoServer

from local_hadoop import HADOOP, STREAMING_JAR, write_site

log = logging.getLogger(__name__)

REGION = 'us-west-2'
KEY = SECRET = 'testing'
# where mrjob's master node setup script puts --libjars (EMR's hadoop user)
MASTER_HOME = '/home/hadoop/'
# `aws s3 cp s3://BUCKET/KEY FILE`, the only AWS CLI command that script runs,
# through boto3 (pointed at moto by the environment)
AWS_S3_CP = """#!/bin/sh
[ "$1 $2" = "s3 cp" ] || { echo "aws: only s3 cp here" >&2; exit 2; }
exec %s -c 'import sys, boto3
bucket, _, key = sys.argv[1][len("s3://"):].partition("/")
boto3.client("s3").download_file(bucket, key, sys.argv[2])' "$3" "$4"
"""


class FakeEMR:

    def __init__(self, work_dir=None):
        """``work_dir``: a directory for the steps' files; without it, steps
        are not run and fail."""
        self.requests = {'RunJobFlow': [], 'AddJobFlowSteps': [], 'AddTags': []}
        self.step_logs = []
        self._work_dir = work_dir
        self._server = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False)

    def start(self, monkeypatch):
        # one log line per request is noise in test output
        logging.getLogger('werkzeug').setLevel(logging.ERROR)
        self._server.start()
        self.url = 'http://%s:%d' % self._server.get_host_and_port()
        # dummy credentials, no config files, no instance metadata, and every
        # client pointed at the fake, so that nothing can leave this machine
        for name, value in dict(
                AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET,
                AWS_SESSION_TOKEN='testing', AWS_DEFAULT_REGION=REGION,
                AWS_CONFIG_FILE='/dev/null', AWS_SHARED_CREDENTIALS_FILE='/dev/null',
                AWS_EC2_METADATA_DISABLED='true', AWS_ENDPOINT_URL=self.url).items():
            monkeypatch.setenv(name, value)
        self._record(monkeypatch, 'run_job_flow', 'RunJobFlow')
        self._record(monkeypatch, 'add_job_flow_steps', 'AddJobFlowSteps')
        self._record(monkeypatch, 'add_tags', 'AddTags')
        monkeypatch.setattr(ElasticMapReduceBackend, 'describe_step',
                            self._advancing(ElasticMapReduceBackend.describe_step))
        if self._work_dir:
            self._conf_dir = write_site(self._work_dir / "conf", self.node_site())

    def node_site(self):
        """core-site.xml of the stand-in's nodes."""
        return {
            'fs.defaultFS': 'file:///',
            "hadoop.tmp.dir": str(self._work_dir / "hadoop"),
            'fs.s3.impl': 'org.apache.hadoop.fs.s3a.S3AFileSystem',
            'fs.AbstractFileSystem.s3.impl': 'org.apache.hadoop.fs.s3a.S3A',
            'fs.s3a.endpoint': self.url,
            'fs.s3a.endpoint.region': REGION,
            'fs.s3a.path.style.access': 'true',
            'fs.s3a.connection.ssl.enabled': 'false',
            'fs.s3a.access.key': KEY,
            'fs.s3a.secret.key': SECRET,
            'fs.s3a.aws.credentials.provider':
                'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider',
            # a stand-in that fails should say so at once, not after minutes of retries
            'fs.s3a.attempts.maximum': '1',
            'fs.s3a.retry.limit': '1',
        }

    def stop(self):
        self._server.stop()

    def runner_args(self, bucket):
        """mrjob switches for running against the fake, with scratch space
        in ``bucket``."""
        return [
            # see the module's docstring
            '--step-output-dir', 's3://%s/step-output/%s/' % (bucket, uuid.uuid4().hex),
            '--emr-endpoint', self.url, '--s3-endpoint', self.url,
            '--ec2-endpoint', self.url, '--iam-endpoint', self.url,
            # moto lacks the managed policies mrjob would attach to new roles
            '--iam-instance-profile', 'EMR_EC2_DefaultRole',
            '--iam-service-role', 'EMR_DefaultRole',
            # no logs to fetch from nodes that do not exist; no waiting between polls
            '--no-read-logs', '--check-cluster-every', '0', '--cloud-fs-sync-secs', '0',
        ]

    def client(self, service):
        return boto3.client(service, region_name=REGION, endpoint_url=self.url)

    def bucket(self, name):
        """Make an S3 bucket; return an S3 client."""
        s3 = self.client('s3')
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={'LocationConstraint': REGION})
        return s3

    def _record(self, monkeypatch, method, action):
        original = getattr(ElasticMapReduceResponse, method)

        def recording(response):
            self.requests[action].append(json.loads(response.body))
            return original(response)
        monkeypatch.setattr(ElasticMapReduceResponse, method, recording)

    def _advancing(self, describe_step):
        def advancing(backend, cluster_id, step_id):
            for step in backend.clusters[cluster_id].steps:
                if step.state in ('COMPLETED', 'FAILED'):
                    continue
                if step.id == step_id:
                    if step.state == 'RUNNING':
                        ran = (self._run_script(step.args) if step.jar.endswith('/script-runner.jar')
                               else self._run_step(step.args))
                        step.state = 'COMPLETED' if ran else 'FAILED'
                    else:
                        step.state = 'RUNNING'
                break
            return describe_step(backend, cluster_id, step_id)
        return advancing

    def _on_master(self, text):
        """``text`` with the master node's home directory where the stand-in keeps it."""
        return text.replace(MASTER_HOME, str(self._work_dir / 'master-home') + '/')

    def _run_step(self, args):
        """Run one step's arguments on the local Hadoop; whether it succeeded."""
        if not self._work_dir or args[0] != 'hadoop-streaming':
            return False
        # local mode links -files into the JVM's working directory: a fresh one per step
        cwd = tempfile.mkdtemp(prefix="step-", dir=self._work_dir)
        return self._ran(args, subprocess.run(
            [str(HADOOP), 'jar', str(STREAMING_JAR), *map(self._on_master, args[1:])], cwd=cwd,
            env=dict(os.environ, HADOOP_CONF_DIR=self._conf_dir),
            stdin=subprocess.DEVNULL, capture_output=True))

    def _run_script(self, args):
        """Run a script-runner step (a script on S3, then its arguments); whether it succeeded."""
        if not self._work_dir:
            return False
        bucket, _, key = args[0][len('s3://'):].partition('/')
        script = self.client('s3').get_object(Bucket=bucket, Key=key)['Body'].read().decode()
        path = tempfile.mkstemp(prefix='script-', suffix='.sh', dir=self._work_dir)[1]
        with open(path, 'w') as f:
            f.write(self._on_master(script))
        bin_dir = self._work_dir / 'bin'
        if not (bin_dir / 'aws').exists():
            bin_dir.mkdir(exist_ok=True)
            (bin_dir / 'aws').write_text(AWS_S3_CP % sys.executable)
            (bin_dir / 'aws').chmod(0o755)
        return self._ran(args, subprocess.run(
            ['sh', path, *args[1:]], cwd=self._work_dir, stdin=subprocess.DEVNULL,
            env=dict(os.environ, PATH='%s:%s' % (bin_dir, os.environ['PATH'])),
            capture_output=True))

    def _ran(self, args, done):
        self.step_logs.append(done.stderr.decode('utf-8', 'replace'))
        if done.returncode:
            # pytest shows this with the failing test
            log.error('step failed on the stand-in: %s\n%s', ' '.join(args),
                      '\n'.join(self.step_logs[-1].splitlines()[-40:]))
        return done.returncode == 0
