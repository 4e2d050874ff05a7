import json
import os

import pytest

from conftest import INPUTS, run_job
from jobs.mr_bill_word_freq import MRBillWordFreq
from jobs.mr_top_pages import MRTopPages
from jobs.pageviews import title_for_people
from jobs.run_all import main


def test_runs_every_job_and_prints_the_tops(tmp_path, capsys):
    main(['--out', str(tmp_path)])
    printed = capsys.readouterr().out
    for name in ['page_views', 'top_pages', 'domain_views', 'hourly_views', 'daily_hourly_views',
                 'bill_word_freq', 'packed_bills', 'packed_bill_word_freq']:
        assert (tmp_path / name / 'part-00000').exists()
    # hours from hourly dumps and from daily files are counted apart
    inputs = {name: [os.path.basename(p) for p in
                     json.loads((tmp_path / name / '_mrtally.json').read_text())['inputs']]
              for name in ['hourly_views', 'daily_hourly_views']}
    assert inputs['daily_hourly_views'] == ['pageviews-20240101-user.bz2']
    assert sorted(inputs['hourly_views']) == sorted(
        p.name for p in (INPUTS / 'pageviews').iterdir() if p.name != 'pageviews-20240101-user.bz2')
    words, _ = run_job(MRBillWordFreq, [INPUTS / 'bills'])
    pages, _ = run_job(MRTopPages, ['--top', '10', INPUTS / 'pageviews'])
    top_words = printed.split('Top 10 words of the bills\n')[1].split('\n')[:10]
    assert [line.split()[1] for line in top_words] == [w.split(b'\t')[0].decode() for w in words[:10]]
    top_pages = printed.split('Top 10 pages\n')[1].split('\n')[:10]
    assert [line.split()[-1] for line in top_pages] == [p.split(b'\t')[2].decode() for p in pages]
    assert 'malformed: views not a number: 3' in printed


@pytest.mark.parametrize('title, shown', [
    (b'Main_Page', 'Main Page'),
    (b'%C5%9Awi%C4%99ty_Bonifacy', 'Święty Bonifacy'),
    (b'Foo%C3', 'Foo\\xc3'),
    (b'\xcc\xee', '\\xcc\\xee'),
])
def test_titles_for_people(title, shown):
    assert title_for_people(title) == shown
