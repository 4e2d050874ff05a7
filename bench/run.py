"""make bench: mrtally's jobs against DuckDB, plain Python and naive mrjob.

Every contender runs as its own process, in alternation (plan order, then
seeded shuffles), ``--repeat`` times; the table gives medians and spread,
throughput, the peak memory of the largest single process, and ratios to a
baseline measured in the same run.
Every contender's answer is checked against the plain script's first.

    python bench/run.py [--quick] [--repeat 3] [--lines 8000000] [--bills 10000]
"""
import argparse
import datetime
import filecmp
import json
import operator
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import generate  # noqa: E402

sys.path.insert(1, ROOT)
from jobs.spark_lines import IO_JAR  # noqa: E402

PY = sys.executable
GROUPS = ('pageviews', 'top pages', 'domains', 'hours', 'bills', 'engines')
# Spark and Hadoop run from make test's venv, which has pyspark (the bench's has not: see README)
ENGINES_PY = os.path.join(ROOT, '.venv', 'bin', 'python')
SPARK, HADOOP = 'MRPageViews -r spark, local[2]', 'MRPageViews -r hadoop, local mode'


def job(module, *args):
    return [PY, '-m', 'jobs.' + module, '--no-conf', '-q', *args]


def contender(name, cmd, group, baseline=False, unsorted=False, answer='full', cold=False):
    return dict(name=name, cmd=cmd, group=group, baseline=baseline, unsorted=unsorted,
                answer=answer, cold=cold, runs=[])


def plan(pv_files, loose, packed):
    c = os.path.join(HERE, 'contenders')
    loose_2 = job('mr_bill_word_freq', '-r', 'local', '--num-cores', '2', loose)
    packed_2 = job('mr_bill_word_freq', '-r', 'local', '--num-cores', '2', '--packed', packed)
    return [
        contender('zcat (floor)', ['sh', '-c', 'gzip -dc "$@" > /dev/null', 'zcat', *pv_files],
                  'pageviews', answer=None),
        # ISA-L's inflate, which our map tasks use: what reading the input costs at the least
        contender('ISA-L inflate (floor)', ['sh', '-c', 'for f; do "$0" -m isal.igzip -dc "$f"; done '
                                            '> /dev/null', PY, *pv_files], 'pageviews', answer=None),
        contender('DuckDB', [PY, os.path.join(c, 'duckdb_page_views.py'), *pv_files],
                  'pageviews', baseline=True),
        contender('Polars', [PY, os.path.join(c, 'polars_page_views.py'), *pv_files], 'pageviews'),
        contender('plain Python dict', [PY, os.path.join(c, 'plain_page_views.py'), *pv_files],
                  'pageviews'),
        contender('MRPageViews local 2 cores', job('mr_page_views', '-r', 'local', '--num-cores', '2',
                                                   *pv_files), 'pageviews'),
        contender('MRPageViews local 1 core', job('mr_page_views', '-r', 'local', '--num-cores', '1',
                                                  *pv_files), 'pageviews'),
        contender('MRPageViews inline', job('mr_page_views', *pv_files), 'pageviews'),
        contender('naive mrjob local 2 cores', [PY, os.path.join(c, 'naive_page_views.py'), '--no-conf',
                                                '-q', '-r', 'local', '--num-cores', '2', *pv_files],
                  'pageviews', unsorted=True),
        contender('DuckDB top 100', [PY, os.path.join(c, 'duckdb_page_views.py'), '--top', '100',
                                     *pv_files], 'top pages', baseline=True, answer='top'),
        contender('MRTopPages local 2 cores', job('mr_top_pages', '-r', 'local', '--num-cores', '2',
                                                  '--top', '100', *pv_files), 'top pages', answer='top'),
        contender('MRTopPages local 1 core', job('mr_top_pages', '-r', 'local', '--num-cores', '1',
                                                 '--top', '100', *pv_files), 'top pages', answer='top'),
        contender('MRTopPages inline', job('mr_top_pages', '--top', '100', *pv_files), 'top pages',
                  answer='top'),
        contender('DuckDB domains', [PY, os.path.join(c, 'duckdb_page_views.py'), '--domains',
                                     *pv_files], 'domains', baseline=True, answer='domains'),
        contender('MRDomainViews local 2 cores', job('mr_domain_views', '-r', 'local', '--num-cores',
                                                     '2', *pv_files), 'domains', answer='domains'),
        contender('MRDomainViews local 1 core', job('mr_domain_views', '-r', 'local', '--num-cores',
                                                    '1', *pv_files), 'domains', answer='domains'),
        contender('MRDomainViews inline', job('mr_domain_views', *pv_files), 'domains',
                  answer='domains'),
        contender('DuckDB hours', [PY, os.path.join(c, 'duckdb_page_views.py'), '--hours', *pv_files],
                  'hours', baseline=True, answer='hours'),
        contender('MRHourlyViews local 2 cores', job('mr_hourly_views', '-r', 'local', '--num-cores',
                                                     '2', *pv_files), 'hours', answer='hours'),
        contender('MRHourlyViews local 1 core', job('mr_hourly_views', '-r', 'local', '--num-cores',
                                                    '1', *pv_files), 'hours', answer='hours'),
        contender('PySpark DataFrame, local[2]', [ENGINES_PY, os.path.join(c, 'pyspark_page_views.py'),
                                                  *pv_files], 'engines', baseline=True),
        contender(SPARK, [ENGINES_PY, '-m', 'jobs.mr_page_views', '-q', '-r', 'spark', '-c',
                          'emr/mrjob.conf', '--spark-master', 'local[2]', '--spark-args=--conf',
                          '--spark-args=spark.ui.enabled=false', *pv_files], 'engines'),
        contender(HADOOP, [ENGINES_PY, '-m', 'jobs.mr_page_views', '-q', '-r', 'hadoop', '-c',
                           'emr/hadoop-local.conf', *pv_files], 'engines'),
        contender('plain lxml + Counter', [PY, os.path.join(c, 'plain_bill_words.py'), loose],
                  'bills', baseline=True),
        contender('MRBillWordFreq loose, local 2 cores', loose_2, 'bills'),
        contender('MRBillWordFreq loose, local 1 core', job('mr_bill_word_freq', '-r', 'local',
                                                            '--num-cores', '1', loose), 'bills'),
        contender('MRBillWordFreq loose, inline', job('mr_bill_word_freq', loose), 'bills'),
        contender('MRBillWordFreq packed, local 2 cores', packed_2, 'bills'),
        contender('MRBillWordFreq packed, local 1 core', job('mr_bill_word_freq', '-r', 'local',
                                                             '--num-cores', '1', '--packed', packed),
                  'bills'),
        # what a first run over a corpus meets: 10,000 small files cost more
        # to read from disk than two big ones
        contender('MRBillWordFreq loose, local 2 cores, cold cache', loose_2, 'bills', cold=True),
        contender('MRBillWordFreq packed, local 2 cores, cold cache', packed_2, 'bills', cold=True),
        contender('naive mrjob packed, local 2 cores', [PY, os.path.join(c, 'naive_bill_words.py'),
                                                        '--no-conf', '-q', '-r', 'local',
                                                        '--num-cores', '2', packed],
                  'bills', unsorted=True),
    ]


def set_cache(paths, cold):
    """Start a run with its input files all in the page cache (read, untimed)
    or, if ``cold``, none of them (dropped with posix_fadvise, which needs no
    privileges), whatever the runs before it read."""
    for path in paths:
        names = ([os.path.join(d, n) for d, _, ns in os.walk(path) for n in ns]
                 if os.path.isdir(path) else [path])
        for name in names:
            with open(name, 'rb') as f:
                if cold:
                    os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
                else:
                    while f.read(1 << 20):
                        pass


def measure(cmd, out):
    result = subprocess.run([PY, os.path.join(HERE, 'measure.py'), out, '--', *cmd],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def answers_agree(c, outputs, top, baseline=None):
    """Whether ``c`` gave the plain script's answer (or, where that did not
    run, ``baseline``'s)."""
    plain = 'plain lxml + Counter' if c['group'] == 'bills' else 'plain Python dict'
    if plain not in outputs:    # the baseline already answers as c does
        plain, c = baseline, dict(c, answer='full')
    got, want = lines_of(outputs[c['name']]), lines_of(outputs[plain])
    if c['answer'] == 'top':
        want = want[:top]
    elif c['answer'] == 'domains':
        want = domains_of(want)
    elif c['answer'] == 'hours':
        want = [b'%s\t%s\t%s' % ((generate.HOUR.encode(),) + tuple(row.split(b'\t')[:2]))
                for row in domains_of(want)]
    return sorted(got) == sorted(want) if c['unsorted'] else got == want


def lines_of(path):
    with open(path, 'rb') as f:
        return f.read().splitlines()


def domains_of(page_rows):
    """``domain views titles`` rows, views descending, from the plain script's
    ``domain title views`` rows."""
    views, titles = {}, {}
    for row in page_rows:
        domain, _, n = row.split(b'\t')
        views[domain] = views.get(domain, 0) + int(n)
        titles[domain] = titles.get(domain, 0) + 1
    return [b'%s\t%d\t%d' % (d, views[d], titles[d])
            for d in sorted(views, key=lambda d: (-views[d], d))]


def table(contenders, sizes):
    lines = ['| contender | median s | spread s | throughput | peak MB | ratio to baseline |',
             '|---|---:|---:|---:|---:|---:|']
    for group in GROUPS:
        members = [c for c in contenders if c['group'] == group]
        if not members:
            continue
        base = statistics.median(r['wall'] for c in members if c['baseline'] for r in c['runs'])
        for c in members:
            walls = [r['wall'] for r in c['runs']]
            median = statistics.median(walls)
            if group == 'bills':
                speed = '%.1f MB/s' % (sizes['bill_mb'] / median)
                ratio = '%.2fx throughput' % (base / median)
            else:
                speed = '%.2f M lines/s' % (sizes['lines'] / median / 1e6)
                ratio = '%.2fx time' % (median / base)
            lines.append('| %s (%s) | %.2f | %.2f-%.2f | %s | %.0f | %s |' % (
                c['name'], group, median, min(walls), max(walls), speed,
                max(r['peak_mb'] for r in c['runs']), ratio))
    return lines


def goals(contenders, tasks=None):
    """The speed goals of the issue that asked for this bench, judged by this
    run's medians (and of ``tasks``, from :func:`map_tasks`): ``| goal |
    measured | target | met |`` rows."""
    t = {c['name']: statistics.median(r['wall'] for r in c['runs']) for c in contenders}
    t.update({'map task, ' + name: statistics.median(seconds)
              for name, seconds in (tasks or {}).items()})
    loose, packed = 'MRBillWordFreq loose, local 2 cores', 'MRBillWordFreq packed, local 2 cores'
    def ratio(a, b):
        return t[a] / t[b] if a in t and b in t else None

    # issue 15's goals, against baselines written as their users write them
    rows = [
        ('MRPageViews, 2 cores: time / DuckDB\'s', ratio('MRPageViews local 2 cores', 'DuckDB'), '<=', 1),
        ('MRTopPages, 2 cores: time / DuckDB top 100\'s',
         ratio('MRTopPages local 2 cores', 'DuckDB top 100'), '<=', 1),
        ('MRDomainViews, 2 cores: time / DuckDB domains\'',
         ratio('MRDomainViews local 2 cores', 'DuckDB domains'), '<=', 1.3),
        ('MRHourlyViews, 2 cores: time / DuckDB hours\'',
         ratio('MRHourlyViews local 2 cores', 'DuckDB hours'), '<=', 1.3),
        ('naive mrjob\'s time / MRPageViews\', 2 cores',
         ratio('naive mrjob local 2 cores', 'MRPageViews local 2 cores'), '>=', 5),
        ('naive mrjob\'s time / MRTopPages\', 2 cores',
         ratio('naive mrjob local 2 cores', 'MRTopPages local 2 cores'), '>=', 5),
        ('MRBillWordFreq loose, 2 cores: throughput / the plain script\'s',
         ratio('plain lxml + Counter', loose), '>=', 1.8),
        ('MRBillWordFreq packed, 2 cores: throughput / the plain script\'s',
         ratio('plain lxml + Counter', packed), '>=', 1.8),
        ('MRPageViews -r spark: time / the PySpark DataFrame query\'s',
         ratio(SPARK, 'PySpark DataFrame, local[2]'), '<=', 1),
        ('MRPageViews\' map task, 2 at once: time on Hadoop Streaming (local mode) / on the local '
         'runner', ratio('map task, Hadoop Streaming, blocks of lines', 'map task, local runner'),
         '<=', 1.5),
        ('MRBillWordFreq, 2 cores: time on loose / time on packed', ratio(loose, packed), '>=', 1),
        ('MRBillWordFreq, 2 cores, cold cache: time on loose / time on packed',
         ratio(loose + ', cold cache', packed + ', cold cache'), '>=', 1),
    ]
    rows = [row for row in rows if row[1] is not None]
    for name in t:
        single = name.replace('2 cores', '1 core')
        if name.startswith('MR') and name.endswith('2 cores') and single in t:
            rows.append(('%s: time on 1 core / on 2 cores' % name[:name.rindex(' local')].rstrip(','),
                         t[single] / t[name], '>=', 1.7))
    peak = max(r['peak_mb'] for c in contenders if c['name'].startswith('MR') for r in c['runs'])
    rows.append(('peak MB of any one process of our jobs', peak, '<', 1024))
    ops = {'<=': operator.le, '>=': operator.ge, '<': operator.lt}
    return (['| goal | measured | target | met |', '|---|---:|---:|---|'] +
            ['| %s | %.2f | %s %g | %s |' % (goal, value, op, target,
                                             'yes' if ops[op](value, target) else '**no**')
             for goal, value, op, target in rows])


def queries(contenders):
    """Each DuckDB, Polars and PySpark contender's statement or plan, in code blocks."""
    out = []
    for c in contenders:
        if c['name'].startswith(('DuckDB', 'Polars', 'PySpark')):
            shown = subprocess.run([*c['cmd'][:2], '--show', *c['cmd'][2:]], capture_output=True,
                                   text=True, check=True).stdout.rstrip()
            out += ['%s:' % c['name'], '', '```', shown, '```', '']
    return out


def memory_against_lines(pv_file, copies=(1, 2, 4)):
    """The peak memory of MRPageViews (local, 2 cores) over one file given 1,
    2 and 4 times: the same distinct keys, more lines."""
    rows = ['| copies of %s | peak MB |' % os.path.basename(pv_file), '|---:|---:|']
    with tempfile.TemporaryDirectory() as tmp:
        for n in copies:
            print('bench: memory over %d copies' % n, file=sys.stderr, flush=True)
            result = measure(job('mr_page_views', '-r', 'local', '--num-cores', '2', *[pv_file] * n),
                             os.path.join(tmp, 'out'))
            rows.append('| %d | %.0f |' % (n, result['peak_mb']))
    return rows


def many_keys(opts):
    """MRPageViews and MRTopPages against DuckDB where the distinct keys are
    most of the lines: what the memory budget is for. DuckDB's answers are
    the reference (a plain dict of 51 M keys would need some 10 GB)."""
    files = generate.many_keys_files()
    duckdb = [PY, os.path.join(HERE, 'contenders', 'duckdb_page_views.py')]
    # (DuckDB's query, our job): the job must give the query's answer
    pairs = [
        (contender('DuckDB', [*duckdb, *files], 'pageviews', baseline=True),
         contender('MRPageViews local 2 cores', job('mr_page_views', '-r', 'local', '--num-cores',
                                                    '2', *files), 'pageviews')),
        (contender('DuckDB top 100', [*duckdb, '--top', '100', *files], 'top pages',
                   baseline=True),
         contender('MRTopPages local 2 cores', job('mr_top_pages', '-r', 'local', '--num-cores',
                                                   '2', '--top', '100', *files), 'top pages')),
    ]
    contenders = [c for pair in pairs for c in pair]
    with tempfile.TemporaryDirectory() as tmp:
        for i, c in enumerate(contenders):
            c['out'] = os.path.join(tmp, '%d.out' % i)
        for n in range(opts.repeat):
            for c in contenders if n % 2 == 0 else contenders[::-1]:
                print('bench: run %d/%d: %s' % (n + 1, opts.repeat, c['name']), file=sys.stderr, flush=True)
                set_cache(files, False)
                result = measure(c['cmd'], c['out'])
                if result['code'] != 0:
                    sys.exit('bench: %s failed (exit %d)' % (c['name'], result['code']))
                c['runs'].append(result)
            for base, ours in pairs if n == 0 else ():
                if not filecmp.cmp(base['out'], ours['out'], shallow=False):
                    sys.exit('bench: %s gave another answer than %s' % (ours['name'], base['name']))
        with open(pairs[0][0]['out'], 'rb') as f:
            pages = sum(1 for _ in f)
    rows = ['| contender | median s | spread s | peak MB of one process | ratio to DuckDB |',
            '|---|---:|---:|---:|---:|']
    for pair in pairs:
        base = statistics.median(r['wall'] for r in pair[0]['runs'])
        for c in pair:
            walls = [r['wall'] for r in c['runs']]
            rows.append('| %s | %.1f | %.1f-%.1f | %.0f | %.2fx |' % (
                c['name'], statistics.median(walls), min(walls), max(walls),
                max(r['peak_mb'] for r in c['runs']), statistics.median(walls) / base))
    text = '\n'.join([
        '# Many keys', '',
        'Made %s by `make bench BENCH_ARGS=--many-keys` at commit %s; %d hourly files, %d distinct '
        'pages in the answer. MRPageViews and MRTopPages each gave the answer of the DuckDB query '
        'above it, byte for byte. Medians of %d runs; our jobs with their default budget '
        '(`--memory 1024`).' % (
            datetime.date.today().isoformat(), commit_of(), len(files), pages, opts.repeat), '']
        + rows) + '\n'
    print(text)
    with open(os.path.join(HERE, 'MANY_KEYS.md'), 'w') as f:
        f.write(text)


# Hadoop's log lines to the millisecond: the conf dir of make hadoop, with
# another log pattern
_HADOOP_CONF = os.path.join(ROOT, '.hadoop', 'conf')
_TASK_START = re.compile(r'(\S+ \S+) .*Starting task: (attempt_\S+_m_\d+_0)')
_TASK_DONE = re.compile(r"(\S+ \S+) .*Task '(attempt_\S+_m_\d+_0)' done")


def map_tasks(pv_files, repeat):
    """Seconds of each map task of MRPageViews' first step over ``pv_files``
    (a task a file, all at once), in alternation: on Hadoop Streaming (local
    mode, a map-only job of the same mapper), given blocks of lines (as the
    jobs ask for) and a line a record; and as the local runner's tasks. A
    task's time from Hadoop's log: from its start to its end, so the
    JVM's start is left out."""
    times = {'Hadoop Streaming, blocks of lines': [], 'Hadoop Streaming, a line a record': [],
             'local runner': []}
    formats = {'Hadoop Streaming, blocks of lines': 'mrtally.LineBlockInputFormat',
               'Hadoop Streaming, a line a record': 'org.apache.hadoop.mapred.TextInputFormat'}
    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, 'conf')
        shutil.copytree(_HADOOP_CONF, conf)
        with open(os.path.join(conf, 'log4j.properties')) as f:
            log4j = f.read().replace('%d{yy/MM/dd HH:mm:ss}', '%d{ISO8601}')
        with open(os.path.join(conf, 'log4j.properties'), 'w') as f:
            f.write(log4j)
        for n in range(repeat):
            for name in times:
                print('bench: run %d/%d: map tasks, %s' % (n + 1, repeat, name), file=sys.stderr,
                      flush=True)
                set_cache(pv_files, False)
                if name in formats:
                    out = os.path.join(tmp, 'out')
                    log = subprocess.run(
                        [os.path.join(ROOT, '.hadoop', 'bin', 'hadoop'), 'jar',
                         os.path.join(ROOT, '.hadoop', 'lib', 'hadoop-streaming.jar'),
                         '-libjars', IO_JAR, '-D', 'mapreduce.job.reduces=0',
                         '-D', 'stream.map.input.ignoreKey=true', '-inputformat', formats[name],
                         *[a for f in pv_files for a in ('-input', 'file://' + f)],
                         '-output', 'file://' + out, '-cmdenv', 'PYTHONPATH=' + ROOT,
                         '-mapper', PY + ' -m jobs.mr_page_views --step-num=0 --mapper'],
                        capture_output=True, text=True, env=dict(os.environ, HADOOP_CONF_DIR=conf),
                        check=True).stderr
                    shutil.rmtree(out)
                    starts = dict(m.group(2, 1) for m in map(_TASK_START.match, log.splitlines()) if m)
                    ends = dict(m.group(2, 1) for m in map(_TASK_DONE.match, log.splitlines()) if m)
                    times[name] += [(_clock(ends[a]) - _clock(starts[a])).total_seconds()
                                    for a in ends]
                else:
                    times[name] += _local_map_tasks(pv_files)
    return times


def map_task_table(tasks, repeat):
    """A section of the results for :func:`map_tasks`' times, if any."""
    if not tasks:
        return []
    return ['', '## Map tasks on Hadoop Streaming', '',
            'MRPageViews\' first-step map task over each of the files, all at once (2 cores), '
            'alternated %d times: on Hadoop Streaming (local mode, a map-only job; a task\'s time '
            'from its start to its end in Hadoop\'s log) and as the local runner runs it.' % (
                repeat), '',
            '| map task | median s | spread s |', '|---|---:|---:|'] + [
        '| %s | %.2f | %.2f-%.2f |' % (name, statistics.median(v), min(v), max(v))
        for name, v in tasks.items()]


def _clock(stamp):
    """A time of Hadoop's log (ISO 8601, a comma before the milliseconds)."""
    return datetime.datetime.strptime(stamp, '%Y-%m-%d %H:%M:%S,%f')


def _local_map_tasks(pv_files):
    """Seconds of the local runner's map tasks over ``pv_files``, a file each, all at once."""
    def run(f):
        start = time.perf_counter()
        subprocess.run([PY, '-m', 'jobs.mr_page_views', '--step-num=0', '--mapper', '--file-list'],
                       input=f.encode() + b'\n', stdout=subprocess.DEVNULL, cwd=ROOT, check=True,
                       env=dict(os.environ, MRTALLY_TASK_SLOTS=str(len(pv_files))))
        return time.perf_counter() - start
    with ThreadPoolExecutor(len(pv_files)) as pool:
        return list(pool.map(run, pv_files))


def commit_of():
    return subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip() or 'unknown'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='small sizes, for a run under a minute')
    parser.add_argument('--lines', type=int, default=8_000_000)
    parser.add_argument('--titles', type=int, default=2_000_000)
    parser.add_argument('--files', type=int, default=2)
    # enough bills that mrjob's fixed second or so of start-up does not hide
    # the throughput of the tasks
    parser.add_argument('--bills', type=int, default=10000)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--results', default=os.path.join(HERE, 'RESULTS.md'),
                        help='where to keep the table (not written with --quick)')
    parser.add_argument('--many-keys', action='store_true',
                        help='only MRPageViews and DuckDB, over 48 hourly files and ~51 M distinct '
                             'pages: peak memory per process, answers equal (bench/MANY_KEYS.md)')
    parser.add_argument('--groups', default=','.join(GROUPS[:-1]),
                        help='which contenders to run, of %s (default all but engines, which '
                             'need make test\'s venv and make hadoop)' % ','.join(GROUPS))
    opts = parser.parse_args(argv)
    groups = opts.groups.split(',')
    if set(groups) - set(GROUPS):
        parser.error('--groups: one or more of %s' % ','.join(GROUPS))
    if opts.quick:
        opts.lines, opts.titles, opts.bills, opts.repeat = 100_000, 20_000, 40, 1

    print('bench: making or finding the data...', file=sys.stderr, flush=True)
    if opts.many_keys:
        return many_keys(opts)
    pv_files = generate.pageview_files(opts.lines, opts.titles, opts.files)
    loose, packed = generate.bill_files(opts.bills)
    sizes = dict(lines=opts.lines,
                 bill_mb=sum(os.path.getsize(os.path.join(loose, n)) for n in os.listdir(loose)) / 1e6)
    contenders = [c for c in plan(pv_files, loose, packed) if c['group'] in groups]

    with tempfile.TemporaryDirectory() as tmp:
        outputs = {c['name']: os.path.join(tmp, '%d.out' % i) for i, c in enumerate(contenders)}
        if 'engines' in groups:
            if not os.path.exists(os.path.join(ROOT, '.hadoop', 'paths.conf')):
                sys.exit('bench: the engines need make test\'s venv and make hadoop first')
            os.environ['SPARK_LOCAL_IP'] = '127.0.0.1'     # Spark on loopback, its UI off
        for n in range(opts.repeat):
            # the first round in plan order; later ones shuffled (seeded), so
            # that no contender always follows the same one
            order = list(contenders)
            if n:
                random.Random(n).shuffle(order)
            for c in order:
                print('bench: run %d/%d: %s' % (n + 1, opts.repeat, c['name']), file=sys.stderr, flush=True)
                set_cache([a for a in c['cmd'] if a.startswith(generate.CACHE)], c['cold'])
                result = measure(c['cmd'], outputs[c['name']])
                if result['code'] != 0:
                    sys.exit('bench: %s failed (exit %d)' % (c['name'], result['code']))
                c['runs'].append(result)
            if n == 0:
                baselines = {c['group']: c['name'] for c in contenders if c['baseline']}
                for c in contenders:
                    if c['answer'] and not answers_agree(c, outputs, 100, baselines[c['group']]):
                        sys.exit('bench: %s gave another answer than the plain script' % c['name'])

    tasks = map_tasks(pv_files, opts.repeat) if 'engines' in groups else None
    commit = commit_of()
    header = [
        '# Benchmark results', '',
        'Made %s by `make bench` at commit %s on %s, %d cores, Python %s; environment as the user\'s '
        '(PYTHONUNBUFFERED=%s). Pageviews: %d lines (%d distinct titles) in %d gzipped files; '
        'bills: %d documents, %.1f MB of XML. Medians of %d runs in alternation (the first in plan order, the rest shuffled), each with its inputs in the page cache unless it says cold cache; peak MB is the '
        'largest single process. Ratios: time relative to DuckDB (pageviews, top pages, domains; lower is '
        'better), throughput relative to the plain script (bills; higher is better). Every '
        'contender gave the same answer as the plain script.' % (
            datetime.date.today().isoformat(), commit, platform.machine(), os.cpu_count(),
            platform.python_version(), os.environ.get('PYTHONUNBUFFERED', 'unset'), opts.lines, opts.titles, opts.files, opts.bills,
            sizes['bill_mb'], opts.repeat),
        '']
    text = '\n'.join(header + table(contenders, sizes) + [
        '', '## Goals', '', 'Judged by the medians above%s.' % (
            ' (quick sizes: the goals are set for the default ones)' if opts.quick else ''), '']
        + goals(contenders, tasks) + map_task_table(tasks, opts.repeat) + [
        '', '## Queries', '', 'What the DuckDB, Polars and PySpark contenders ran, as they print it '
        '(`--show`).', ''] + queries(contenders) + ([
            '', '## Memory against lines', '',
            'MRPageViews, local, 2 cores, once over each; a task\'s memory should follow the distinct '
            'keys, which stay the same.', ''] + memory_against_lines(pv_files[0])
            if 'pageviews' in groups else [])) + '\n'
    print(text)
    if not opts.quick:
        with open(opts.results, 'w') as f:
            f.write(text)


if __name__ == '__main__':
    main()
