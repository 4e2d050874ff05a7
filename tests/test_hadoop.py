"""The jobs on real Hadoop (3.5.0 from Maven Central, `make hadoop`) with
``-r hadoop -c emr/hadoop-local.conf``: Hadoop Streaming in local mode, its
own splits, decompression and shuffle, mapper_raw's input manifests, and a
MiniDFSCluster for ``hdfs://``."""
import subprocess
import sys

import reference
from conftest import FIXTURES, INPUTS, ROOT, run_job, sample_reference
from jobs.mr_bill_word_freq import MRBillWordFreq
from jobs.mr_domain_views import MRDomainViews
from jobs.mr_pack_bills import MRPackBills
from jobs.mr_page_views import MRPageViews
from jobs.mr_top_pages import MRTopPages
from jobs.spark_lines import IO_JAR
from local_hadoop import STREAMING_JAR, hadoop, hadoop_args


def test_the_launcher_serves_what_mrjob_calls(tmp_path):
    version = hadoop('version', check=True)
    assert version.stdout.splitlines()[0] == b'Hadoop 3.5.0'
    # mrjob tells a missing path by the one line fs prints: no log line may come first
    missing = hadoop('fs', '-ls', 'file://%s/missing' % tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.splitlines() == [
        b"ls: `file://%s/missing': No such file or directory" % bytes(tmp_path)]


def test_make_hadoop_twice_does_nothing_the_second_time():
    # make -q: exit status 0 when the target is up to date
    assert subprocess.run(['make', '-q', 'hadoop'], cwd=ROOT).returncode == 0


def test_pageviews_plain_gzipped_and_bzipped():
    # inputs/pageviews holds plain, .gz and .bz2 dumps: Hadoop decompresses them itself
    lines, counters = run_job(MRPageViews, hadoop_args(INPUTS / 'pageviews'), runner='hadoop')
    records, bad = sample_reference()
    assert lines == reference.sorted_rows(reference.page_views(records))
    assert counters['pageviews', 'lines counted'] == len(records)
    assert sum(n for (group, name), n in counters.items()
               if group == 'pageviews' and name.startswith('malformed')) == bad
    # a map task sends a record for each partition it has sums for: four
    # partitions a reduce task (2 in emr/hadoop-local.conf), not
    # jobs.pageview_job.PARTITIONS, which gives hundreds of records over the
    # 5 files; the last step adds a few chunks of rows
    assert counters['Map-Reduce Framework', 'Map output records'] < 5 * 4 * 2 + 20


def split_dump(path, block):
    """A plain dump of three regions of exactly ``block`` bytes, so that a
    block size of ``block`` makes three map tasks. Page A has 10 views in each;
    each region also has one page of 25 views (B0, B1, B2) and pages of 1."""
    with open(path, 'wb') as f:
        for region in range(3):
            lines = [b'en A 10 0', b'en B%d 25 0' % region]
            size = sum(len(line) + 1 for line in lines)
            n = 0
            while size < block - 40:
                lines.append(b'en f%d_%d 1 0' % (region, n))
                size += len(lines[-1]) + 1
                n += 1
            pad = block - size - 1   # one more line, padded to the block's end
            lines.append(b'en z%d 1 %s' % (region, b'0' * (pad - len(b'en z%d 1 ' % region))))
            data = b''.join(line + b'\n' for line in lines)
            assert len(data) == block
            f.write(data)
    return path


def test_a_plain_file_cut_into_map_tasks_and_top_pages_pruned_there(tmp_path):
    # Streaming's (old API) splits are at most a block; a small block cuts the file in 3
    dump = split_dump(tmp_path / 'pagecounts-20120101-000000', 16384)
    split = ['--jobconf', 'fs.local.block.size=16384']
    # A has 30 views in all, and is the top page; in every task B is ahead of it
    # (25 to 10), so A is sent whole only where a task knows there are three
    # tasks (10 * 3 >= 25), from Hadoop's mapreduce.job.maps.
    lines, counters = run_job(MRTopPages, hadoop_args(*split, '--top', '1', dump), runner='hadoop')
    assert lines == [b'en\tA\t30']
    assert counters['top pages', 'map tasks'] == 3
    assert counters['top pages', 'pages sent light'] > counters['top pages', 'pages sent whole'] > 0

    # every line is counted once, however the file is cut
    lines, counters = run_job(MRPageViews, hadoop_args(*split, dump), runner='hadoop')
    records, bad = reference.pageview_lines(dump.read_bytes())
    assert bad == 0
    assert lines == reference.sorted_rows(reference.page_views(records))
    assert counters['pageviews', 'lines read'] == len(records)


def test_bills_through_input_manifests_and_packed(tmp_path):
    # loose XML, .gz, .bz2 and a govinfo .zip: whole files through mapper_raw's
    # input manifests, the path that every cluster takes
    expected = reference.word_counts(
        [t for path in sorted((FIXTURES / 'bills').iterdir())
         for t in reference.bill_texts(path.read_bytes())])
    rows = [b'%s\t%d' % (w.encode(), n) for w, n in sorted(expected.items(), key=lambda x: (-x[1], x[0].encode()))]
    lines, counters = run_job(MRBillWordFreq, hadoop_args(INPUTS / 'bills'), runner='hadoop')
    assert lines == rows
    assert counters['bills', 'documents counted'] == 12

    packed = tmp_path / 'packed'
    run_job(MRPackBills, hadoop_args('--output-dir', 'file://%s' % packed, INPUTS / 'bills'),
            runner='hadoop')
    assert (packed / '_SUCCESS').exists()
    lines, _ = run_job(MRBillWordFreq, hadoop_args('--packed', packed), runner='hadoop')
    assert lines == rows


def test_hdfs_in_and_out_and_a_report_of_it(hdfs, tmp_path):
    inputs = hdfs.put(sorted((INPUTS / 'pageviews').iterdir()), '/pageviews/%s' % tmp_path.name)
    output = hdfs.url + '/out/%s/domains' % tmp_path.name
    lines, _ = run_job(MRDomainViews, hadoop_args('--output-dir', output, inputs), runner='hadoop')
    records, _ = sample_reference()
    assert lines == reference.domain_rows(records)
    assert hdfs.cat(output + '/_SUCCESS') == b''

    # the report reads hdfs:// through mrjob's filesystems, with hadoop on PATH
    env_path = '%s:%s' % (ROOT / '.hadoop' / 'bin', '/usr/bin:/bin')
    report = subprocess.run([sys.executable, '-m', 'jobs.report', '--domains', output,
                             '--top', str(len(lines)), '--out', tmp_path / 'report'],
                            cwd=ROOT, capture_output=True, env={'PATH': env_path})
    assert report.returncode == 0, report.stderr.decode()
    csv = (tmp_path / 'report' / 'domains.csv').read_text().splitlines()
    # a header, then rank, domain, views and distinct titles of each domain
    assert [row.split(',', 1)[1].encode() for row in csv[1:]] == [
        line.replace(b'\t', b',') for line in lines]


def test_map_tasks_get_the_same_bytes_in_blocks_of_lines(tmp_path):
    # mrtally.LineBlockInputFormat hands a streaming mapper blocks of lines,
    # and Streaming writes each with a newline after it: every task's stdin
    # is the very bytes TextInputFormat's record a line gives it, whatever
    # the line ends (\r\n and a lone \r end a line in both) and the splits.
    lines = [b'en A 1 0', b'', b'de \xff 2 0\r', b'x' * 3000, b'en B 3 0\rfr C 4 0'] * 40
    dump = tmp_path / 'in' / 'pagecounts-20120101-000000'
    dump.parent.mkdir()
    dump.write_bytes(b'\n'.join(lines) + b'\n')
    stdins = {}
    for fmt in ('org.apache.hadoop.mapred.TextInputFormat', 'mrtally.LineBlockInputFormat'):
        out = tmp_path / fmt
        # a checksum of each map task's stdin, beside how many bytes it had
        hadoop('jar', STREAMING_JAR, '-libjars', IO_JAR, '-D', 'mapreduce.job.reduces=0',
               '-D', 'fs.local.block.size=16384', '-D', 'stream.map.input.ignoreKey=true',
               '-inputformat', fmt, '-input', 'file://%s' % dump.parent,
               '-output', 'file://%s' % out, '-mapper', 'sh -c "cksum"', check=True)
        stdins[fmt] = sorted(p.read_bytes() for p in out.glob('part-*'))
    tasks = stdins['org.apache.hadoop.mapred.TextInputFormat']
    assert len(tasks) > 1 and stdins['mrtally.LineBlockInputFormat'] == tasks
    # and the jobs ask for it on -r hadoop
    job = MRPageViews(hadoop_args(str(dump)) + ['-r', 'hadoop'])
    assert job.hadoop_input_format() == 'mrtally.LineBlockInputFormat'
