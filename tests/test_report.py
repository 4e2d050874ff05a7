import csv
import json
import shutil
import struct
import subprocess
from collections import defaultdict
from urllib.parse import unquote

import pytest
from lxml import etree

from jobs import report, run_all


@pytest.fixture(scope='module')
def outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp('out')
    run_all.main(['--out', str(out)])
    return out


@pytest.fixture(scope='module')
def made(outputs, tmp_path_factory):
    target = tmp_path_factory.mktemp('report')
    report.main(['--words', str(outputs / 'bill_word_freq'), '--pages', str(outputs / 'page_views'),
                 '--domains', str(outputs / 'domain_views'), '--hours', str(outputs / 'hourly_views'),
                 '--daily-hours', str(outputs / 'daily_hourly_views'), '--out', str(target), '--top', '30'])
    return target


def rows_of(directory):
    return [line.split(b'\t') for line in (directory / 'part-00000').read_bytes().splitlines()]


def read_csv(path):
    with open(path, newline='', encoding='utf-8') as f:
        return list(csv.reader(f))


def test_word_table_matches_the_job_output(outputs, made):
    rows = rows_of(outputs / 'bill_word_freq')
    total = sum(int(c) for _, c in rows)
    table = read_csv(made / 'words.csv')
    assert table[0] == ['rank', 'word', 'count', 'share of all counted words']
    assert table[1:] == [[str(i), w.decode(), c.decode(), '%.2f%%' % (100 * int(c) / total)]
                         for i, (w, c) in enumerate(rows[:30], 1)]


def test_page_table_decodes_titles_for_people(outputs, made):
    rows = rows_of(outputs / 'page_views')
    table = read_csv(made / 'pages.csv')
    assert [r[3] for r in table[1:]] == [v.decode() for _, _, v in rows[:30]]
    for (domain, title, _), shown in zip(rows, table[1:]):
        assert shown[1] == domain.decode()
        try:
            expected = unquote(title.decode('utf-8'), errors='strict').replace('_', ' ')
        except UnicodeDecodeError:
            continue
        assert shown[2] == expected
    page = (made / 'index.html').read_text(encoding='utf-8')
    # the raw title stays at hand, in a tooltip
    assert 'title="%s"' % rows[0][1].decode() in page


def test_undecodable_bytes_are_shown_not_dropped(tmp_path):
    (tmp_path / 'pages').mkdir()
    (tmp_path / 'pages' / 'part-00000').write_bytes(b'ru\t\xcc\xee%C3\t5\n')
    (tmp_path / 'pages' / '_SUCCESS').write_bytes(b'')
    report.main(['--pages', str(tmp_path / 'pages'), '--out', str(tmp_path / 'r')])
    assert read_csv(tmp_path / 'r' / 'pages.csv')[1] == ['1', 'ru', '\\xcc\\xee\\xc3', '5']


def test_domain_and_hour_tables(outputs, made):
    rows = rows_of(outputs / 'domain_views')
    assert read_csv(made / 'domains.csv')[1:] == [
        [str(i), d.decode(), v.decode(), t.decode()] for i, (d, v, t) in enumerate(rows[:30], 1)]
    for kind, name in [('hours', 'hourly_views'), ('daily_hours', 'daily_hourly_views')]:
        per_hour = defaultdict(int)
        for hour, _, views in rows_of(outputs / name):
            per_hour[hour.decode()] += int(views)
        assert read_csv(made / (kind + '.csv'))[1:] == [[h, str(v)] for h, v in sorted(per_hour.items())]
    page = (made / 'index.html').read_text(encoding='utf-8')
    assert 'Views per hour, from daily files' in page and 'count twice' not in page


def test_hours_from_daily_and_hourly_files_in_one_output_are_flagged(tmp_path):
    hours = tmp_path / 'hours'
    hours.mkdir()
    (hours / 'part-00000').write_bytes(b'2024-01-01T00\ten\t5\n')
    (hours / '_mrtally.json').write_text(json.dumps({'job': 'MRHourlyViews', 'inputs': [
        'in/pageviews-20240101-000000.gz', 'in/pageviews-20240101-user.bz2']}))
    (hours / '_SUCCESS').write_bytes(b'')
    report.main(['--hours', str(hours), '--out', str(tmp_path / 'r')])
    assert 'the hours both cover count twice' in (tmp_path / 'r' / 'summary.md').read_text()


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b'\x89PNG\r\n\x1a\n' and data[12:16] == b'IHDR'
    return struct.unpack('>II', data[16:24])


def test_pictures_are_valid_and_sized(made):
    assert png_size(made / 'word_cloud.png') == report.WORD_CLOUD_SIZE
    svg = etree.parse(str(made / 'word_cloud.svg')).getroot()
    assert svg.tag == '{http://www.w3.org/2000/svg}svg'
    assert (int(svg.get('width')), int(svg.get('height'))) == report.WORD_CLOUD_SIZE
    assert len(svg.findall('.//{http://www.w3.org/2000/svg}text')) > 50
    for name in ['top_words.png', 'top_pages.png', 'domains.png', 'hours.png', 'daily_hours.png']:
        width, height = png_size(made / name)
        assert width == 1000 and height >= 300


def test_word_cloud_is_the_same_for_the_same_data(outputs, made, tmp_path):
    report.main(['--words', str(outputs / 'bill_word_freq'), '--out', str(tmp_path)])
    for name in ['word_cloud.png', 'word_cloud.svg', 'top_words.png']:
        assert (tmp_path / name).read_bytes() == (made / name).read_bytes()


def test_page_states_where_the_data_came_from(made):
    page = (made / 'index.html').read_text(encoding='utf-8')
    assert 'inputs/bills/hr1385-113-ih.xml' in page
    assert 'MRBillWordFreq' in page and 'MRHourlyViews' in page
    assert 'malformed: views not a number 3' in page



def test_markdown_summary(outputs, made):
    summary = (made / 'summary.md').read_text(encoding='utf-8')
    assert summary.startswith('# mrtally report')
    word, count = rows_of(outputs / 'bill_word_freq')[0]
    assert '| 1 | %s | %s |' % (word.decode(), count.decode()) in summary


def test_empty_and_missing_output(tmp_path, capsys):
    (tmp_path / 'empty').mkdir()
    (tmp_path / 'empty' / 'part-00000').write_bytes(b'')
    (tmp_path / 'empty' / '_SUCCESS').write_bytes(b'')
    report.main(['--words', str(tmp_path / 'empty'), '--out', str(tmp_path / 'r')])
    assert 'The job output is empty' in (tmp_path / 'r' / 'index.html').read_text()
    with pytest.raises(SystemExit) as e:
        report.main(['--words', str(tmp_path / 'nothing'), '--out', str(tmp_path / 'r2')])
    assert 'no job output in %s' % (tmp_path / 'nothing') in str(e.value)


def test_reads_output_on_s3(outputs, tmp_path, fake_aws):
    s3 = fake_aws.bucket('reports')
    for path in (outputs / 'domain_views').iterdir():
        s3.upload_file(str(path), 'reports', 'run/domains/' + path.name)
    report.main(['--domains', 's3://reports/run/domains/', '--out', str(tmp_path)])
    assert read_csv(tmp_path / 'domains.csv')[1][1:] == [
        f.decode() for f in rows_of(outputs / 'domain_views')[0]]
    assert 'MRDomainViews' in (tmp_path / 'index.html').read_text()


def chromium():
    """Debian's chromium, installed here if it is missing (CI runs as root)."""
    path = shutil.which('chromium')
    if path is None and shutil.which('apt-get'):
        subprocess.run(['apt-get', 'update', '-q'], capture_output=True)
        subprocess.run(['apt-get', 'install', '-y', '-q', 'chromium'], capture_output=True)
        path = shutil.which('chromium')
    return path


def test_page_renders_in_a_real_browser_with_nothing_missing(made):
    executable = chromium()
    if executable is None:
        pytest.skip("Debian's chromium is not installed and could not be installed here")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=[
            '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync'])
        page = browser.new_page()
        missing = []
        page.on('requestfailed', lambda r: missing.append(r.url))
        page.on('response', lambda r: missing.append(r.url) if r.status >= 400 else None)
        page.goto((made / 'index.html').as_uri())
        images = page.eval_on_selector_all('img', 'els => els.map(e => [e.src, e.naturalWidth])')
        tables = page.eval_on_selector_all('table', 'els => els.length')
        browser.close()
    assert missing == []
    assert len(images) == 6 and all(width > 0 for _, width in images)
    assert all(src.startswith((made.as_uri())) for src, _ in images)  # nothing from the network
    assert tables == 5
