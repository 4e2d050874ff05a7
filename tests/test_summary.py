"""What a job says on stderr (jobs.summary), from the command line."""
import pytest

from conftest import INPUTS, ROOT, run_cli, write_dump


@pytest.fixture
def hour(tmp_path):
    # 4 lines: 2 counted (7 views), 1 filtered out, 2 malformed for one reason
    return write_dump(tmp_path / 'pageviews-20240101-000000', [
        b'en A 3 0', b'en B 4 0', b'de C 1 0', b'en D x 0', b'en E y 0'])


def test_by_default_only_a_short_summary(hour):
    done = run_cli('mr_page_views', '-r', 'local', '--domain', 'en', hour)
    assert done.returncode == 0
    assert done.stdout == b'en\tB\t4\nen\tA\t3\n'
    assert done.stderr.decode().splitlines() == [
        'MRPageViews: 2 rows to standard output',
        '  pageviews: 2 lines counted; 1 lines filtered out; 5 lines read;'
        ' 2 malformed: views not a number',
        # once per file and reason, with the count and the first example
        '  skipped in pageviews-20240101-000000: malformed: views not a number: 2 (first: line 4)',
    ]


def test_q_keeps_the_summary_qq_drops_it_v_adds_mrjob(hour, tmp_path):
    quiet = run_cli('mr_page_views', '-q', hour)
    assert quiet.stderr.decode().splitlines()[0] == 'MRPageViews: 3 rows to standard output'
    assert run_cli('mr_page_views', '-q', '-q', hour).stderr == b''
    verbose = run_cli('mr_page_views', '-v', '--output-dir', tmp_path / 'out', hour).stderr.decode()
    assert 'Running step 1 of 2' in verbose
    assert 'MRPageViews: 3 rows to %s' % (tmp_path / 'out') in verbose


@pytest.mark.parametrize('args, hint', [
    (['mr_page_views', INPUTS / 'bills' / 'hr1385-113-ih.xml'],
     'hr1385-113-ih.xml: looks like bill XML, not a pageview dump'),
    (['mr_page_views', ROOT / 'Makefile'], 'Makefile: not a pageview dump'),
    (['mr_bill_word_freq', INPUTS / 'pageviews' / 'pagecounts-sample-1k.txt'],
     'pagecounts-sample-1k.txt: looks like a pageview dump, not bills'),
    (['mr_bill_word_freq', '--packed', INPUTS / 'pageviews' / 'pagecounts-sample-1k.txt'],
     'pagecounts-sample-1k.txt: looks like a pageview dump, not bills'),
])
def test_a_run_with_nothing_valid_fails_naming_the_file(args, hint, tmp_path):
    done = run_cli(*args[:1], '-r', 'local', '--output-dir', tmp_path / 'out', *args[1:])
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert 'nothing valid in %s' % hint in err
    assert err.splitlines()[-1].startswith('nothing valid in the input: ')
    assert 'Traceback' not in err
    assert not (tmp_path / 'out').exists()
    # skipped records are named once per file and reason, never once each
    assert len(err.splitlines()) < 20


def test_a_file_that_yields_nothing_is_named_beside_good_ones(hour):
    done = run_cli('mr_page_views', '-r', 'local', hour, ROOT / 'README.md')
    assert done.returncode == 0
    assert '  nothing valid in README.md: not a pageview dump' in done.stderr.decode().splitlines()


def test_hourly_views_names_a_file_without_an_hour(tmp_path):
    path = write_dump(tmp_path / 'views.txt', [b'en A 3 0'])
    done = run_cli('mr_hourly_views', '-r', 'local', path, INPUTS / 'pageviews' / 'pageviews-20240101-000000.gz')
    assert done.returncode == 0
    assert 'nothing valid in views.txt: no hour in its name' in done.stderr.decode()


@pytest.mark.parametrize('module', ['mr_page_views', 'mr_top_pages', 'mr_domain_views',
                                    'mr_hourly_views', 'mr_bill_word_freq', 'mr_pack_bills'])
def test_help_starts_with_what_the_job_computes_then_its_own_options(module):
    import importlib
    doc = importlib.import_module('jobs.' + module).__doc__
    text = run_cli(module, '--help').stdout.decode()
    assert text.startswith(doc.splitlines()[0])
    assert 'Output: ' in text.split('options of this job:')[0]
    own, mrjob = text.split('options of this job:')[1].split("mrjob's options")
    assert '--skip-bad-files' in own and '--overwrite' in own and '--runner' not in own
    assert '--runner' in mrjob and '--skip-bad-files' not in mrjob
    # internal switches stay hidden
    assert '--file-list' not in text and '--spark' not in text.replace('--runner', '')


def test_mrjob_says_nothing_once_the_run_has_a_signal(monkeypatch):
    # a failure that follows a signal is the signal's doing: the run's one
    # line about it is all the user sees (jobs.interrupts)
    import io
    import logging
    import signal

    from jobs import interrupts
    from jobs.mr_page_views import MRPageViews
    stream = io.StringIO()
    MRPageViews.set_up_logging(stream=stream)
    logging.getLogger('mrjob').error('before')
    monkeypatch.setitem(interrupts._state, 'signum', signal.SIGINT)
    logging.getLogger('mrjob').error('after')
    assert stream.getvalue() == 'before\n'
