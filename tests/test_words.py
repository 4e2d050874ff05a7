from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

import jobs.words
from jobs.words import TokenCounts, fold, load_stop_words, tokens, words


def test_drops_short_words_and_lowercases():
    text = 'The Secretary shall REPORT to Congress annually.'
    assert list(words(text)) == ['secretary', 'report', 'congress', 'annually']


def test_letters_only():
    # digits, underscores and punctuation end words; hyphens split compounds
    text = 'section_2(a)(iii) FY2024budget self-executing §§ 1986 subparagraph—except'
    assert list(words(text, min_length=1)) == [
        'section', 'a', 'iii', 'fy', 'budget', 'self', 'executing', 'subparagraph', 'except']


def test_unicode_letters():
    assert list(words('Zoë Mañana naïveté Straße Ελλάδα', min_length=5)) == [
        'mañana', 'naïveté', 'straße', 'ελλάδα']


def test_length_is_counted_after_lowercasing():
    # 'İ' (U+0130) lowers to 'i' + U+0307: five letters become six characters
    assert list(words('İSTAN', min_length=6)) == ['i̇stan']
    assert list(words('ISTAN', min_length=6)) == []


@pytest.mark.parametrize('n, expected', [
    (1, ['a', 'an', 'act', 'shall']),
    (3, ['act', 'shall']),
    (6, []),
])
def test_min_length(n, expected):
    assert list(words('a an act shall', min_length=n)) == expected


def test_stop_words(tmp_path):
    path = tmp_path / 'stop.txt'
    path.write_text('# common in every bill\nSection\n\n  secretary \n', encoding='utf-8')
    stop = load_stop_words(path)
    assert stop == {'section', 'secretary'}
    text = 'Section 2. The Secretary shall publish. SECTION 3.'
    assert Counter(words(text, stop_words=stop)) == {'publish': 1}


def test_fold_agrees_with_words():
    text = 'Section SECTION section İSTANBUL Straße strasse Secretary 2024 secretary'
    stop = frozenset(['secretary'])
    assert fold(Counter(tokens(text)), 6, stop) == Counter(words(text, 6, stop))
    assert fold(Counter(tokens(text)), 6, stop) == {'section': 3, 'i̇stanbul': 1, 'straße': 1, 'strasse': 1}


@pytest.mark.parametrize('text', [
    'The Secretary shall REPORT to Congress annually.',
    'section_2(a)(iii) FY2024budget self-executing subparagraph',
    'Zoë Mañana naïveté Straße İSTAN ISTAN Ελλάδα',
    'abcdef abcde abcdefg',
])
@pytest.mark.parametrize('n', [1, 5, 6, 7])
def test_tokens_may_leave_out_what_fold_would_drop(text, n):
    assert fold(Counter(tokens(text, n)), n) == Counter(words(text, n))


@given(st.text(alphabet=st.sampled_from('aBzZ09_- .éİ'), max_size=60), st.integers(1, 8))
def test_tokens_by_length_count_as_words_do(text, n):
    assert fold(Counter(tokens(text, n)), n) == Counter(words(text, n))


def test_short_runs_are_left_out_of_ascii_text():
    assert tokens('an act to amend', 4) == ['amend']
    assert tokens('an act to amend', 1) == ['an', 'act', 'to', 'amend']


def counts_of(texts, n, batch_chars=None, monkeypatch=None):
    if batch_chars:
        monkeypatch.setattr(jobs.words, 'BATCH_CHARS', batch_chars)
    counts = TokenCounts(n)
    for text in texts:
        counts.add(text)
    return counts.total()


def test_token_counts_of_many_texts():
    texts = ['', '  ', 'Sec. 2(a) The Secretary_shall', ' amend\tAMEND\x0bamend ',
             'naïveté Straße amend', 'subsection(b)']
    assert counts_of(texts, 1) == {'Sec': 1, 'a': 1, 'The': 1, 'Secretary': 1, 'shall': 1,
                                   'amend': 3, 'AMEND': 1, 'naïveté': 1, 'Straße': 1,
                                   'subsection': 1, 'b': 1}
    # ASCII text keeps only runs of six letters or more; other text every run
    assert counts_of(texts, 6) == {'Secretary': 1, 'subsection': 1,
                                   'naïveté': 1, 'Straße': 1, 'amend': 1}


@given(st.lists(st.text(alphabet=st.sampled_from('aBzZ09_- .\t\n\x0b\x1féİ§'), max_size=40),
                max_size=8),
       st.integers(1, 8), st.sampled_from([None, 1, 16]))
def test_token_counts_are_those_of_tokens(texts, n, batch_chars):
    # a regular expression a text, against Arrow a batch: in batches of
    # one text, of a few, and of all
    with pytest.MonkeyPatch.context() as monkeypatch:
        expected = Counter()
        for text in texts:
            expected.update(tokens(text, n))
        assert counts_of(texts, n, batch_chars, monkeypatch) == expected
