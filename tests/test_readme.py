"""The README's commands for Hadoop on this machine and for Spark, run as a
user would paste them: from the repository root, with the venv not on PATH."""
import re
import subprocess

import pytest

from conftest import ROOT


def cluster_commands():
    """The shell lines of the README's cluster section that need no cluster,
    no AWS and no network."""
    text = (ROOT / 'README.md').read_text()
    section = text[text.index('## On a cluster'):text.index('\n## ', text.index('## On a cluster') + 1)]
    commands = [line.strip() for line in re.findall(r'^    (\S.*)$', section, re.M)]
    remote = ('s3://', 'hdfs://', '-r emr', 'AWS_', 'j-XXXX', 'cluster', 'run-emr')
    return [c for c in commands
            if c.startswith(('make hadoop', '.venv/bin/python', 'SPARK_LOCAL_IP='))
            and not any(r in c for r in remote)]


def test_the_readme_has_such_commands():
    commands = cluster_commands()
    assert any('-r hadoop' in c for c in commands) and any('-r spark' in c for c in commands)


@pytest.mark.parametrize('command', cluster_commands())
def test_a_readme_command_runs_as_written(command, tmp_path):
    scratch = tmp_path / 'tmp'
    scratch.mkdir()
    env = dict(PATH='/usr/bin:/bin', HOME=str(tmp_path), TMPDIR=str(scratch))
    done = subprocess.run(['bash', '-o', 'pipefail', '-c', command], cwd=ROOT, env=env,
                          capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    if '-m jobs.' in command:
        rows = done.stdout.splitlines()
        assert rows and all(row.count(b'\t') >= 1 for row in rows)
        # quiet Spark, and nothing left behind
        assert b' INFO ' not in done.stderr
        assert list(scratch.iterdir()) == []
