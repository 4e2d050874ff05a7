"""Every shell command of the README that needs no network, AWS or cluster,
run as a user would paste it: in README order, from the root of a copy of
this checkout (sharing its .venv and .hadoop), with the venv not on PATH."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT

# commands that need the network, AWS, a cluster or fetched data, or are the
# test run itself
ELSEWHERE = ('s3://', 'hdfs://', '-r emr', 'AWS_', 'export ', 'j-XXXX', 'run-emr', 'make fetch',
             'jobs.fetch', 'data/', 'out/real', 'make test', 'make bench', 'mrjob ', '--region')


def readme_commands():
    """The README's indented shell lines (continuations joined), in order."""
    text = (ROOT / 'README.md').read_text()
    text = re.sub(r'```.*?```', '', text, flags=re.S)   # sample output, not commands
    commands, held = [], ''
    for line in re.findall(r'^    (\S.*)$', text, re.M):
        held += line
        if held.endswith('\\'):
            held = held[:-1] + ' '
            continue
        commands.append(re.sub(r'\s+', ' ', held).strip())
        held = ''
    return commands


# but for these, which only print what would run there
PRINTS_ONLY = ('--dialect redshift',)


def runnable():
    return [c for c in readme_commands()
            if c.startswith(('make ', '.venv/bin/python', 'SPARK_LOCAL_IP='))
            and (not any(e in c for e in ELSEWHERE) or any(p in c for p in PRINTS_ONLY))]


@pytest.fixture(scope='module')
def checkout(tmp_path_factory):
    """A copy of the checkout's files (times kept, so make sees nothing to
    redo), with this checkout's .venv and .hadoop."""
    copy = tmp_path_factory.mktemp('checkout')
    files = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard', '-z'],
                           cwd=ROOT, capture_output=True, check=True).stdout.split(b'\0')
    for name in filter(None, (os.fsdecode(f) for f in files)):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    for name in ('.venv', '.hadoop'):
        (copy / name).symlink_to(ROOT / name)
    return copy


def test_the_readme_has_commands_for_every_engine():
    commands = runnable()
    assert commands[0].startswith('make run-local')
    for what in ('-r hadoop', '-r spark', 'make report', 'mr_pack_bills', 'make run-stream',
                 'warehouse ddl --dialect hive',
                 'warehouse ddl --dialect redshift', 'warehouse load'):
        assert any(what in c for c in commands), what


@pytest.mark.parametrize('command', runnable())
def test_a_readme_command_runs_as_written(command, checkout, tmp_path, request):
    scratch = tmp_path / 'tmp'
    scratch.mkdir()
    env = dict(PATH='/usr/bin:/bin', HOME=str(tmp_path), TMPDIR=str(scratch))
    if 'jobs.warehouse load' in command:
        # libpq's variables, as the README says, for the tests' own server
        settings = dict(kv.split('=') for kv in request.getfixturevalue('postgres').split())
        env.update(('PG' + k.upper().replace('DBNAME', 'DATABASE'), v) for k, v in settings.items())
    done = subprocess.run(['bash', '-o', 'pipefail', '-c', command], cwd=checkout, env=env,
                          capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    assert b'Traceback' not in done.stderr
    if '-m jobs.mr_' in command and '--help' not in command and '>' not in command \
            and '--output-dir' not in command:
        rows = done.stdout.splitlines()
        assert rows and all(row.count(b'\t') >= 1 for row in rows)
        # a short summary, quiet Spark, and nothing left behind
        assert len(done.stderr.splitlines()) < 20
        assert b' INFO ' not in done.stderr
        assert list(scratch.iterdir()) == []


def test_the_speed_table_is_copied_from_the_bench_results_it_names():
    """The README's Speed section names the bench runs it copies (date and
    commit, as their files say), and every figure of its table is one of
    theirs, as they print it or rounded."""
    readme = (ROOT / 'README.md').read_text()
    speed = readme[readme.index('## Speed'):readme.index('## Tests')]
    theirs = []
    for name in ('RESULTS.md', 'MANY_KEYS.md'):
        text = (ROOT / 'bench' / name).read_text()
        date, commit = re.search(r'^Made (\S+) by `make bench[^`]*` at commit (\w+)', text,
                                 re.M).groups()
        assert ('`bench/%s` (made %s at commit %s;' % (name, date, commit)
                in re.sub(r'\s+', ' ', speed))
        theirs += [float(n.replace(',', '')) for n in re.findall(r'\d[\d,]*(?:\.\d+)?', text)]
    rows = [line.strip('|').split('|') for line in speed.splitlines()
            if line.startswith('| ') and not line.startswith('| |')]
    figures = re.findall(r'\d[\d,]*(?:\.\d+)?', ' '.join(cell for row in rows for cell in row[1:]))
    assert len(figures) >= 20
    for figure in figures:
        places = len(figure.partition('.')[2])
        assert any(round(n, places) == float(figure.replace(',', '')) for n in theirs), figure
