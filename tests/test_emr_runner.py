"""Every job, run with ``-r emr -c emr/mrjob.conf`` against a local stand-in
for AWS whose steps run on real Hadoop (tests/fake_emr.py): what EMR and S3
receive, and the output read back."""
import ast
import configparser
import io
import json
import re
import tarfile
from pathlib import Path

import pytest

from mrjob.step import StepFailedException

from conftest import EMR_BUCKET, INPUTS, ROOT, read_any, run_job, run_on_emr
from jobs.mr_bill_word_freq import MRBillWordFreq
from jobs.mr_domain_views import MRDomainViews
from jobs.mr_hourly_views import MRHourlyViews
from jobs.mr_pack_bills import MRPackBills
from jobs.mr_page_views import MRPageViews
from jobs.mr_top_pages import MRTopPages
from jobs.pageview_job import PageviewJob
from jobs.spark_lines import IO_JAR

def s3_bytes(emr, uri):
    bucket, _, key = uri.split('#')[0][len('s3://'):].partition('/')
    return emr.client('s3').get_object(Bucket=bucket, Key=key)['Body'].read()


JOBS = [
    (MRPageViews, ['--exclude-prefix', 'Special:'], 'pageviews/'),
    (MRTopPages, ['--top', '5', '--per-domain'], 'pageviews/'),
    (MRDomainViews, [], 'pageviews/'),
    (MRHourlyViews, [], 'pageviews/'),
    (MRBillWordFreq, [], 'bills/'),
    (MRBillWordFreq, ['--packed'], 'packed/'),
    (MRPackBills, [], 'bills/'),
]


@pytest.mark.parametrize('job_class, args, inputs', JOBS,
                         ids=[j.__name__ + ' '.join([''] + a) for j, a, _ in JOBS])
def test_job_on_emr(emr, monkeypatch, job_class, args, inputs):
    local_input = INPUTS / ('bills' if inputs == 'packed/' else inputs)
    expected, _ = run_job(job_class, args + [local_input] if inputs != 'packed/'
                          else [a for a in args if a != '--packed'] + [local_input])
    module = job_class.__module__.rsplit('.', 1)[-1]
    output_dir = 's3://%s/out/%s/%d/' % (EMR_BUCKET, module, len(emr.requests['RunJobFlow']))
    seen, logs = len(emr.requests['AddJobFlowSteps']), len(emr.step_logs)

    with run_on_emr(emr, monkeypatch, job_class, args, inputs, output_dir) as (lines, job, runner):
        # every step ran on Hadoop, from what the runner uploaded, and wrote to S3
        assert lines == expected
        # and the run record for reports lands beside it, then _SUCCESS
        assert s3_bytes(emr, output_dir + '_SUCCESS') == b''
        record = json.loads(s3_bytes(emr, output_dir + '_mrtally.json'))
        assert record['runner'] == 'emr'
        # and a Redshift COPY manifest of every part file on S3
        entries = json.loads(s3_bytes(emr, output_dir + '_manifest.json'))['entries']
        assert entries and all(e['mandatory'] for e in entries)
        assert all(e['url'].startswith(output_dir + 'part-') for e in entries)
        assert b''.join(s3_bytes(emr, e['url']) for e in entries).splitlines() == lines
        assert [e['meta']['content_length'] for e in entries] == [
            len(s3_bytes(emr, e['url'])) for e in entries]
        assert record['inputs'] == ['s3://%s/inputs/%s' % (EMR_BUCKET, inputs)]

        cluster = emr.requests['RunJobFlow'][-1]
        steps = [s for request in emr.requests['AddJobFlowSteps'][seen:] for s in request['Steps']]
        check_cluster(emr, cluster)
        check_steps(emr, steps, job, module, output_dir, inputs)
        if isinstance(job, PageviewJob):
            check_blocks(emr, steps, emr.step_logs[logs:])


def test_a_job_that_breaks_only_on_a_cluster_fails_there(emr, monkeypatch, tmp_path):
    # Line input is what map tasks get on a cluster, read from stdin in bulk;
    # the local runners hand them whole files. A job broken on that path
    # passes locally and must fail here.
    # DIRS ships ../jobs from beside the script, as from jobs/mr_*.py
    (tmp_path / 'jobs').symlink_to(ROOT / 'jobs')
    (tmp_path / 'scripts').mkdir()
    (tmp_path / 'scripts' / 'mr_broken.py').write_text(
        'from jobs.mr_page_views import MRPageViews\n'
        'class MRBroken(MRPageViews):\n'
        '    def bulk_mapper(self, step_num):\n'
        '        if super().bulk_mapper(step_num):\n'
        '            raise RuntimeError("broken on the cluster")\n'
        'if __name__ == "__main__":\n'
        '    MRBroken.run()\n')
    monkeypatch.syspath_prepend(str(tmp_path / 'scripts'))
    from mr_broken import MRBroken
    assert run_job(MRBroken, ['-r', 'local', INPUTS / 'pageviews'])[0]
    with pytest.raises(StepFailedException):
        with run_on_emr(emr, monkeypatch, MRBroken, [], 'pageviews/',
                        's3://%s/out/broken/' % EMR_BUCKET):
            pass
    assert 'broken on the cluster' in emr.step_logs[-1]


def check_cluster(emr, request):
    assert request['ReleaseLabel'] == 'emr-7.14.0'
    groups = {g['InstanceRole']: (g['InstanceType'], g['InstanceCount'])
              for g in request['Instances']['InstanceGroups']}
    assert groups == {'MASTER': ('m4.large', 1), 'CORE': ('m4.large', 2)}
    assert [a['Name'] for a in request['Applications']] == ['Hadoop', 'Spark']
    assert request['AutoTerminationPolicy'] == {'IdleTimeout': 3600}
    assert request['LogUri'].startswith('s3://')
    assert {'Key': 'project', 'Value': 'mrtally'} in emr.requests['AddTags'][-1]['Tags']

    # the bootstrap script installs our pinned runtime from the uploaded requirements
    [action] = [a for a in request['BootstrapActions'] if a['Name'] == 'master']
    script = s3_bytes(emr, action['ScriptBootstrapAction']['Path']).decode()
    assert 'sudo python3 -m pip install --quiet -r $__mrjob_PWD/requirements.txt' in script
    uploaded = [w for w in script.split() if w.startswith('s3://') and w.endswith('requirements.txt')]
    assert uploaded, script
    assert s3_bytes(emr, uploaded[0]) == (ROOT / 'emr' / 'requirements.txt').read_bytes()


def check_steps(emr, steps, job, module, output_dir, inputs):
    steps = streaming_steps(steps)
    assert len(steps) == len(job.steps())
    for n, step in enumerate(steps):
        args = step['HadoopJarStep']['Args']
        assert args[0] == 'hadoop-streaming'
        files = dict(f.split('#')[::-1] for f in args[args.index('-files') + 1].split(','))
        archives = dict(a.split('#')[::-1] for a in args[args.index('-archives') + 1].split(','))
        assert s3_bytes(emr, files[module + '.py']) == (ROOT / 'jobs' / (module + '.py')).read_bytes()
        # the jobs package travels with every step, whole
        with tarfile.open(fileobj=io.BytesIO(s3_bytes(emr, archives['jobs']))) as tar:
            shipped = {Path(name).name for name in tar.getnames()}
        assert {p.name for p in (ROOT / 'jobs').glob('*.py')} <= shipped
        mapper = args[args.index('-mapper') + 1]
        if n == 0:
            assert 'python3 %s.py --step-num=0 --mapper' % module in mapper
        if n == len(steps) - 1:
            assert args[args.index('-output') + 1] == output_dir

    first = steps[0]['HadoopJarStep']['Args']
    step_input = first[first.index('-input') + 1]
    if job.steps()[0].description(0).get('input_manifest'):
        # whole files (mapper_raw): a manifest on S3 lists every input file, one per line
        manifest = s3_bytes(emr, step_input).decode()
        listed = sorted(line.split('\t')[-1] for line in manifest.splitlines())
        assert listed == sorted('s3://%s/inputs/bills/%s' % (EMR_BUCKET, p.name)
                                for p in (INPUTS / 'bills').iterdir())
    else:
        assert step_input.startswith('s3://%s/inputs/%s' % (EMR_BUCKET, inputs))


def streaming_steps(steps):
    """``steps`` less mrjob's master node setup, which copies --libjars to the master."""
    return [s for s in steps if not s['HadoopJarStep']['Jar'].endswith('/script-runner.jar')]


def check_blocks(emr, steps, logs):
    # mrjob copies our jar to the master node in a step of its own, and
    # Streaming hands the map tasks blocks of lines from it
    [setup] = [s for s in steps if s not in streaming_steps(steps)]
    script = s3_bytes(emr, setup['HadoopJarStep']['Args'][0]).decode()
    [jar] = [w for w in script.split() if w.startswith('s3://') and w.endswith('.jar')]
    assert s3_bytes(emr, jar) == Path(IO_JAR).read_bytes()
    first = streaming_steps(steps)[0]['HadoopJarStep']['Args']
    assert first[first.index('-inputformat') + 1] == 'mrtally.LineBlockInputFormat'
    assert first[first.index('-libjars') + 1].endswith('/mrtally-io.jar')
    # each sample file is less than a block: a record each, not a line each
    files = [p for p in (INPUTS / 'pageviews').iterdir() if read_any(p)]
    lines = sum(read_any(p).count(b'\n') for p in files)
    # the job's total comes last, after each task's
    records = re.findall(r'Map input records=(\d+)', logs[steps.index(setup) + 1])[-1]
    assert int(records) == len(files) and lines > 10 * len(files)


def test_requirements_on_the_nodes_match_setup_cfg():
    config = configparser.ConfigParser()
    config.read(ROOT / 'setup.cfg')
    pins = set(config['options']['install_requires'].split())
    wanted = [line for line in (ROOT / 'emr' / 'requirements.txt').read_text().splitlines()
              if line and not line.startswith('#')]
    assert wanted and set(wanted) <= pins


@pytest.mark.parametrize('path', sorted((ROOT / 'jobs').glob('*.py')), ids=lambda p: p.name)
def test_jobs_parse_as_python_3_9(path):
    # EMR 7 nodes run Python 3.9
    ast.parse(path.read_text(), feature_version=(3, 9))
