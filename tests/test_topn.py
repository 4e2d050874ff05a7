"""The top N over map tasks' partial counts: heavy keys summed, light ones
looked up only for them, and the top N exactly as if every key were summed."""
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.topn import LIGHT, add_light_counts, bar, light_record, take_heavy


def test_bar_by_hand():
    assert bar([5, 1, 9, 7], 2) == 7
    assert bar([3, 3, 3], 2) == 3
    assert bar([5], 2) == 0
    assert bar([], 1) == 0


def test_take_heavy_by_hand():
    # two tasks, top 2: the bar is 7, so a key needs 7 / 2 views here
    views = {b'a': 9, b'b': 7, b'c': 4, b'd': 3, b'e': 1}
    assert take_heavy(views, 2, 2) == {b'a': 9, b'b': 7, b'c': 4}
    assert views == {b'd': 3, b'e': 1}


def test_light_record_by_hand():
    assert light_record([b'en A', b'de B'], [3, 1]) == LIGHT + b'en A\x1ede B' + LIGHT + b'3 1'


def test_add_light_counts_adds_only_known_keys():
    totals = {b'en A': 10, b'fr C': 1}
    records = [light_record([b'en A', b'de B'], [3, 4]), light_record([b'en A'], [2])]
    assert add_light_counts(totals, records) == {b'en A': 15, b'fr C': 1}


def top(totals, n):
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


# few keys and small counts: many ties, keys in several tasks
tasks_views = st.lists(st.dictionaries(st.sampled_from([b'k%d' % i for i in range(12)]),
                                       st.integers(1, 20)), min_size=1, max_size=5)


@settings(max_examples=400, deadline=None)
@given(tasks_views, st.integers(1, 6), st.integers(0, 2))
def test_top_n_is_exact(views_of_tasks, n, extra_tasks):
    # the tasks may be told of more tasks than there are, never fewer
    tasks = len(views_of_tasks) + extra_tasks
    everything = Counter()
    for views in views_of_tasks:
        everything.update(views)

    summed, records = Counter(), []
    for views in views_of_tasks:
        views = dict(views)
        summed.update(take_heavy(views, n, tasks))
        records.append(light_record(list(views), list(views.values())))
    totals = add_light_counts(dict(summed), records)

    assert top(totals, n) == top(everything, n)
    # and what is summed is summed in full
    assert all(totals[key] == everything[key] for key in totals)
