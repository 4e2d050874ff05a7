import pytest

import reference
from conftest import INPUTS, run_job, sample_reference, write_dump
from jobs.mr_domain_views import MRDomainViews
from jobs.rows import SEP
from jobs.spill import Budget


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


def test_distinct_titles_past_the_budget_add_up_part_by_part():
    from jobs.mr_domain_views import distinct_titles
    # en: T0-T2999 in overlapping groups, de: T0-T49, fr: a title of 1,000 bytes
    groups = [(b'en', [b'T%d' % (i % 3000) for i in range(j, j + 700)]) for j in range(0, 6300, 700)]
    groups += [(b'de', [b'T%d' % i for i in range(50)]), (b'en', [b'T1', b'T2']),
               (b'fr', [b'x' * 1000])]
    groups = [(domain, SEP.join(titles)) for domain, titles in groups]
    expected = {b'en': 3000, b'de': 50, b'fr': 1}
    assert list(distinct_titles(groups)) == [expected]
    for budget in Budget(max_keys=40), Budget(max_keys=2000):
        parts = list(distinct_titles(groups, budget))
        # 40 keys: the 16 files of ~190 pages are each spread again
        assert len(parts) > (16 if budget.most == 40 else 1)
        totals = {}
        for part in parts:
            for domain, n in part.items():
                totals[domain] = totals.get(domain, 0) + n
        assert totals == expected
