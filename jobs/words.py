"""Split text into the words that a word-frequency report counts."""
import re

__all__ = ['words', 'load_stop_words']

# maximal runs of Unicode letters: \w without digits and underscore
_WORD = re.compile(r'[^\W\d_]+')


def words(text, min_length=6, stop_words=frozenset()):
    """Yield the lower-cased words of ``text`` that are at least ``min_length``
    characters long (after lower-casing) and not in ``stop_words``."""
    for match in _WORD.findall(text):
        word = match.lower()
        if len(word) >= min_length and word not in stop_words:
            yield word


def load_stop_words(path):
    """The lower-cased words of a file with one word per line; blank lines and
    lines starting with ``#`` are ignored."""
    with open(path, encoding='utf-8') as f:
        return frozenset(line.strip().lower() for line in f
                         if line.strip() and not line.startswith('#'))
