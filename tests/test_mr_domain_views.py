import pytest

import reference
from conftest import INPUTS, run_job, sample_reference, write_dump
from jobs.mr_domain_views import MRDomainViews


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_domain_views_worked_by_hand(tmp_path, runner):
    # pages seen in both files (en A, de X) count once
    write_dump(tmp_path / 'a.gz', [b'en A 5 0', b'en B 1 0', b'de X 2 0', b'fr Q 6 0'])
    write_dump(tmp_path / 'b', [b'en A 5 0', b'de Y 4 0', b'de X 1 0'])
    lines, _ = run_job(MRDomainViews, ['--num-cores', '2', tmp_path], runner=runner)
    assert lines == [b'en\t11\t2', b'de\t7\t2', b'fr\t6\t1']
    lines, _ = run_job(MRDomainViews, ['--min-views', '7', tmp_path], runner=runner)
    assert lines == [b'en\t11\t2', b'de\t7\t2']


@pytest.mark.parametrize('runner', ['inline', 'local'])
def test_sample_inputs_match_a_second_implementation(runner):
    records, _ = sample_reference()
    lines, _ = run_job(MRDomainViews, [INPUTS / 'pageviews'], runner=runner)
    assert lines == reference.domain_rows(records)
