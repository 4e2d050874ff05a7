"""Properties over random input (hypothesis): what the jobs count does not
depend on how the input is cut into files, compressed or ordered."""
import bz2
import gzip
import zipfile
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reference
from conftest import run_job
from jobs.mr_bill_word_freq import MRBillWordFreq
from jobs.mr_pack_bills import MRPackBills
from jobs.mr_page_views import MRPageViews

# every run of a job takes a fraction of a second: few, well-chosen examples
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

title_bytes = st.binary(min_size=1, max_size=12).map(
    lambda b: bytes(c for c in b if c > 0x20) or b'T')
valid_line = st.builds(
    lambda d, t, v, s: b'%s %s %d %d' % (d, t, v, s),
    st.sampled_from([b'en', b'de.m', b'ja', b'commons.m']), title_bytes,
    st.integers(0, 10 ** 6), st.integers(0, 10 ** 9))
daily_line = st.builds(
    lambda t, counts: b'en.wikipedia %s null desktop %d %s' % (
        t, sum(counts.values()), b''.join(b'%c%d' % (65 + h, n) for h, n in sorted(counts.items()))),
    title_bytes, st.dictionaries(st.integers(0, 23), st.integers(0, 1000), min_size=1, max_size=4))
junk_line = st.binary(max_size=40).map(lambda b: b.replace(b'\n', b''))
lines = st.lists(st.one_of(valid_line, valid_line, daily_line, junk_line), max_size=60)


def write_parts(directory, all_lines, cuts, kinds):
    """Cut lines into files at the given points, each plain, gzip or bzip2."""
    bounds = sorted({0, len(all_lines), *(c % (len(all_lines) + 1) for c in cuts)}) or [0]
    bounds = bounds if len(bounds) > 1 else [0, 0]  # no lines: one empty file
    for n, (a, b) in enumerate(zip(bounds, bounds[1:])):
        data = b''.join(line + b'\n' for line in all_lines[a:b])
        kind = kinds[n % len(kinds)]
        compress = {'': bytes, '.gz': gzip.compress, '.bz2': bz2.compress}[kind]
        (directory / ('part%03d%s' % (n, kind))).write_bytes(compress(data))


@SETTINGS
@given(lines, st.lists(st.integers(0, 100), max_size=4),
       st.lists(st.sampled_from(['', '.gz', '.bz2']), min_size=1, max_size=3), st.randoms())
def test_page_views_do_not_depend_on_files_or_order(tmp_path_factory, all_lines, cuts, kinds, rnd):
    shuffled = list(all_lines)
    rnd.shuffle(shuffled)
    directory = tmp_path_factory.mktemp('pv')
    write_parts(directory, shuffled, cuts, kinds)
    out, counters = run_job(MRPageViews, [directory], nothing_valid_ok=True)

    valid, bad = reference.pageview_lines(b''.join(line + b'\n' for line in all_lines))
    assert out == reference.sorted_rows(reference.page_views(valid))
    assert sum(int(row.rsplit(b'\t', 1)[1]) for row in out) == sum(v for _, _, v, _ in valid)
    malformed = sum(n for (g, name), n in counters.items() if g == 'pageviews' and name.startswith('malformed'))
    assert malformed == bad


words = st.text(alphabet='abcdefghijklmnopqrstuvwxyzéß', min_size=1, max_size=9)
paragraph = st.lists(st.one_of(words, st.sampled_from(['2024', 'sec.', '(a)', '—'])), max_size=12).map(' '.join)
bill = st.one_of(
    st.lists(paragraph, min_size=1, max_size=4).map(lambda ps: (
        '<bill><form><official-title>%s</official-title></form><legis-body>%s</legis-body></bill>'
        % (ps[0], ''.join('<section><text>%s</text></section>' % p for p in ps[1:])))),
    st.lists(paragraph, min_size=1, max_size=4).map(lambda ps: (
        '<resolution xmlns="http://schemas.gpo.gov/xml/uslm"><main>%s</main></resolution>'
        % ''.join('<p>%s</p>' % p for p in ps))))


@SETTINGS
@given(st.lists(bill, min_size=1, max_size=8), st.lists(st.sampled_from(['xml', 'gz', 'zip']), min_size=1))
def test_bill_words_do_not_depend_on_grouping(tmp_path_factory, bills, forms):
    loose, grouped = tmp_path_factory.mktemp('loose'), tmp_path_factory.mktemp('grouped')
    expected = Counter()
    for n, doc in enumerate(bills):
        data = doc.encode('utf-8')
        (loose / ('b%d.xml' % n)).write_bytes(data)
        expected += reference.word_counts(reference.bill_texts(data))
        form = forms[n % len(forms)]
        if form == 'xml':
            (grouped / ('b%d.xml' % n)).write_bytes(data)
        elif form == 'gz':
            (grouped / ('b%d.xml.gz' % n)).write_bytes(gzip.compress(data))
        else:
            with zipfile.ZipFile(grouped / ('bulk%d.zip' % (n % 2)), 'a') as z:
                z.writestr('b%d.xml' % n, data)

    from_loose, _ = run_job(MRBillWordFreq, [loose])
    from_grouped, _ = run_job(MRBillWordFreq, [grouped])
    packed = tmp_path_factory.mktemp('packed') / 'p'
    run_job(MRPackBills, ['--output-dir', packed, grouped])
    from_packed, _ = run_job(MRBillWordFreq, ['--packed', packed])
    assert from_loose == from_grouped == from_packed
    assert Counter({row.split(b'\t')[0].decode(): int(row.split(b'\t')[1]) for row in from_loose}) == expected
