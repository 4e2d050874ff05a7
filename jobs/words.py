"""Split text into the words that a word-frequency report counts.

For speed over many documents, count raw tokens first and fold them into
words once, at the end (:func:`fold`): lower-casing and length checks then
run once per distinct token, not once per occurrence. :func:`words` does both
for one text. :class:`TokenCounts` counts the tokens of many texts: those in
ASCII (almost every bill) in bulk, in Arrow, a few megabytes of text at a
time, in a little over half the time of a regular expression and a Counter
(which it uses for the others): bench/README.md.
"""
import re
from collections import Counter

__all__ = ['words', 'tokens', 'fold', 'TokenCounts', 'load_stop_words']

# maximal runs of Unicode letters: \w without digits and underscore
_WORD = re.compile(r'[^\W\d_]+')
# the same in ASCII text, where lower-casing keeps a word's length, so runs too
# short to make a word need not be counted at all (most words of a bill)
_ASCII_WORDS = {}
# of the bytes of ASCII text, letters kept and all else made spaces
_SPACES = bytes(c if c < 128 and chr(c).isalpha() else 32 for c in range(256))
# characters of ASCII text counted at once: Arrow's work a call is long, and
# what it holds (about 20 bytes a token) stays small
BATCH_CHARS = 1 << 22


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


class TokenCounts:
    """The counts of the :func:`tokens` of many texts (``add``), as one
    Counter (``total``)."""

    def __init__(self, min_length=1):
        self._min = min_length
        self._counts = Counter()
        self._ascii, self._chars = [], 0

    def add(self, text):
        if not text.isascii():
            self._counts.update(tokens(text, self._min))
            return
        self._ascii.append(text)
        self._chars += len(text)
        if self._chars >= BATCH_CHARS:
            self._count_ascii()

    def total(self):
        """The counts of every text added."""
        self._count_ascii()
        return self._counts

    def _count_ascii(self):
        # In ASCII text a token is a run of letters between other bytes:
        # those made spaces, Arrow splits the text at them and counts the
        # runs long enough (it makes an empty one of a leading or trailing
        # space). Joined by spaces, no two texts share a run.
        if not self._ascii:
            return
        import pyarrow as pa    # only tasks that count text load Arrow
        import pyarrow.compute as pc
        data = ' '.join(self._ascii).encode('ascii').translate(_SPACES)
        self._ascii, self._chars = [], 0
        runs = pc.list_flatten(pc.ascii_split_whitespace(pa.array([data], pa.large_string())))
        runs = runs.filter(pc.greater_equal(pc.binary_length(runs), max(self._min, 1)))
        counts = pc.value_counts(runs)
        self._counts.update(dict(zip(counts.field('values').to_pylist(),
                                     counts.field('counts').to_pylist())))


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
