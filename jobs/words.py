"""Split text into the words that a word-frequency report counts.

For speed over many documents, count raw tokens first (``Counter.update`` of
:func:`tokens` counts in C) and fold them into words once, at the end
(:func:`fold`): lower-casing and length checks then run once per distinct
token, not once per occurrence. :func:`words` does both for one text.
"""
import re
from collections import Counter

__all__ = ['words', 'tokens', 'fold', 'load_stop_words']

# maximal runs of Unicode letters: \w without digits and underscore
_WORD = re.compile(r'[^\W\d_]+')
# the same in ASCII text, where lower-casing keeps a word's length, so runs too
# short to make a word need not be counted at all (most words of a bill)
_ASCII_WORDS = {}


def words(text, min_length=6, stop_words=frozenset()):
    """Yield the lower-cased words of ``text`` that are at least ``min_length``
    characters long (after lower-casing) and not in ``stop_words``."""
    for match in _WORD.findall(text):
        word = match.lower()
        if len(word) >= min_length and word not in stop_words:
            yield word


def tokens(text, min_length=1):
    """The maximal runs of letters in ``text``, as they are; in ASCII text,
    only those of at least ``min_length`` letters (elsewhere lower-casing may
    lengthen a run, so :func:`fold` decides)."""
    if not text.isascii():
        return _WORD.findall(text)
    pattern = _ASCII_WORDS.get(min_length)
    if pattern is None:
        pattern = _ASCII_WORDS[min_length] = re.compile(r'[A-Za-z]{%d,}' % max(min_length, 1))
    return pattern.findall(text)


def fold(token_counts, min_length=6, stop_words=frozenset()):
    """Word counts from token counts: lower-cased, at least ``min_length``
    characters long (after lower-casing), not in ``stop_words``."""
    counts = Counter()
    for token, n in token_counts.items():
        word = token.lower()
        if len(word) >= min_length and word not in stop_words:
            counts[word] += n
    return counts


def load_stop_words(path):
    """The lower-cased words of a file with one word per line; blank lines and
    lines starting with ``#`` are ignored."""
    with open(path, encoding='utf-8') as f:
        return frozenset(line.strip().lower() for line in f
                         if line.strip() and not line.startswith('#'))
