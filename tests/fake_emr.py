"""A local stand-in for AWS: moto's server on 127.0.0.1, in this process.

moto answers EMR, S3 and IAM calls for real (over HTTP, through boto3), but it
never runs a step: steps stay PENDING or RUNNING forever. This helper fills that
one gap, and records what the runner asked EMR for:

* every RunJobFlow, AddJobFlowSteps and AddTags request body, as AWS would
  receive it;
* DescribeStep moves the steps of a cluster along in order (PENDING -> RUNNING
  -> COMPLETED, one change per call), and when a step that writes to S3
  completes, it puts ``final_output`` there as ``part-00000``, standing in for
  what Hadoop would have written.

Nothing else of moto, boto3 or mrjob is replaced.
"""
import json
import logging

import boto3
from moto.emr.models import ElasticMapReduceBackend
from moto.emr.responses import ElasticMapReduceResponse
from moto.server import ThreadedMotoServer

REGION = 'us-west-2'


class FakeEMR:

    def __init__(self):
        self.requests = {'RunJobFlow': [], 'AddJobFlowSteps': [], 'AddTags': []}
        self.final_output = b''
        self._server = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False)

    def start(self, monkeypatch):
        # one log line per request is noise in test output
        logging.getLogger('werkzeug').setLevel(logging.ERROR)
        self._server.start()
        self.url = 'http://%s:%d' % self._server.get_host_and_port()
        # dummy credentials, no config files, no instance metadata, and every
        # client pointed at the fake, so that nothing can leave this machine
        for name, value in dict(
                AWS_ACCESS_KEY_ID='testing', AWS_SECRET_ACCESS_KEY='testing',
                AWS_SESSION_TOKEN='testing', AWS_DEFAULT_REGION=REGION,
                AWS_CONFIG_FILE='/dev/null', AWS_SHARED_CREDENTIALS_FILE='/dev/null',
                AWS_EC2_METADATA_DISABLED='true', AWS_ENDPOINT_URL=self.url).items():
            monkeypatch.setenv(name, value)
        self._record(monkeypatch, 'run_job_flow', 'RunJobFlow')
        self._record(monkeypatch, 'add_job_flow_steps', 'AddJobFlowSteps')
        self._record(monkeypatch, 'add_tags', 'AddTags')
        monkeypatch.setattr(ElasticMapReduceBackend, 'describe_step',
                            self._advancing(ElasticMapReduceBackend.describe_step))

    def stop(self):
        self._server.stop()

    def runner_args(self):
        """mrjob switches for running against the fake."""
        return [
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
                if step.state == 'COMPLETED':
                    continue
                if step.id == step_id:
                    step.state = 'COMPLETED' if step.state == 'RUNNING' else 'RUNNING'
                    if step.state == 'COMPLETED':
                        self._write_output(step.args)
                break
            return describe_step(backend, cluster_id, step_id)
        return advancing

    def _write_output(self, args):
        output = args[args.index('-output') + 1]
        if output.startswith('s3://'):
            bucket, _, prefix = output[len('s3://'):].partition('/')
            self.client('s3').put_object(Bucket=bucket, Key=prefix.rstrip('/') + '/part-00000',
                                         Body=self.final_output)
