"""Hostile input, generated (hypothesis): the parsers raise nothing but their
own reasons to skip, and the launcher and jobs end every run with a count of
each line, never a traceback, whatever the file names and bytes."""
import os
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import run_job
from jobs.billfiles import BadFile, read_bills
from jobs.billtext import NotABill, bill_text, parse_bill
from jobs.mr_bill_word_freq import MRBillWordFreq
from jobs.mr_page_views import MRPageViews
from jobs.pageviews import Malformed, parse_pageview

JOB_RUNS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

# what trips parsers: digits, spaces, control bytes, bytes that are not UTF-8, markup
pieces = st.sampled_from([b'en', b' ', b'  ', b'1', b'9' * 25, b'-1', b'\r', b'\t', b'\x00',
                          b'\xff', b'\xc3', b'BZh', b'\x1f\x8b', b'null', b'desktop', b'A1',
                          b'<', b'>', b'&', b'<bill>', b'<legis-body>', b'</bill>', b'<?xml',
                          b'<!DOCTYPE bill [<!ENTITY e SYSTEM "file:///etc/passwd">]>', b'&e;'])
hostile = st.one_of(st.binary(max_size=60), st.lists(pieces, max_size=20).map(b''.join))
# file names: any bytes but / and NUL, \n, \t and bytes that are not UTF-8 included
names = st.binary(min_size=1, max_size=12).map(
    lambda b: b.replace(b'/', b'_').replace(b'\0', b'_').lstrip(b'._') or b'x')


@settings(max_examples=2000, deadline=None)
@given(hostile)
def test_a_pageview_line_parses_or_is_malformed(line):
    try:
        domain, title, views, _ = parse_pageview(line)
    except Malformed:
        return
    assert domain and title and 0 <= views < 2 ** 63


@settings(max_examples=1000, deadline=None)
@given(hostile)
def test_a_document_is_a_bill_or_not(xml):
    try:
        root = parse_bill(xml)
    except NotABill:
        return
    assert isinstance(bill_text(root), str)


@settings(max_examples=300, deadline=None)
@given(hostile, names)
def test_a_bill_file_is_read_or_damaged(data, name):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, os.fsdecode(name))
        with open(path, 'wb') as f:
            f.write(data)
        try:
            for bill_id, xml, problem in read_bills(path):
                assert '\n' not in bill_id and '\t' not in bill_id
        except BadFile:
            pass


@pytest.mark.parametrize('runner', ['inline', 'local'])
@JOB_RUNS
@given(files=st.lists(st.tuples(names, st.lists(hostile, max_size=8)), min_size=1, max_size=4,
                      unique_by=lambda f: f[0]))
@example(files=[(b'x', [b'\x1f\x8b'])])  # every input damaged
@example(files=[(b'x', [b'PK\x05\x06'])])  # a zip's signature: damaged too
def test_the_jobs_count_every_line_of_any_file(runner, files, tmp_path):
    top = tempfile.mkdtemp(dir=tmp_path)
    try:
        read = 0
        for name, lines in files:
            data = b''.join(line.replace(b'\n', b'') + b'\n' for line in lines)
            with open(os.path.join(os.fsencode(top), name), 'wb') as f:
                f.write(data)
            # a file that starts as gzip, bzip2 or zip data does is read as such (and is
            # damaged): jobs.inputs.damage_of knows compression by content
            compressed = data[:2] == b'\x1f\x8b' or data[:4] in (b'PK\x03\x04', b'PK\x05\x06') or (
                data[:3] == b'BZh' and data[4:10] in (b'1AY&SY', b'\x17rE8P\x90'))
            read += 0 if compressed else len(lines)
        try:
            _, counters = run_job(MRPageViews, ['--skip-bad-files', top], runner=runner,
                                  nothing_valid_ok=True)
        except ValueError as e:
            # the one refusal allowed: every input damaged (a job built in-process
            # gets mrjob's ValueError where its command line exits 2 with this line)
            assert str(e).startswith('every input is damaged: ') and read == 0
            return
        counted = sum(n for (group, name), n in counters.items()
                      if group == 'pageviews' and name != 'lines read')
        assert counted == counters.get(('pageviews', 'lines read'), 0)
        if not any(data for data in (b''.join(lines) for _, lines in files)):
            return
        assert counters.get(('pageviews', 'lines read'), 0) <= read
        run_job(MRBillWordFreq, ['--skip-bad-files', top], runner=runner, nothing_valid_ok=True)
    finally:
        shutil.rmtree(top)
