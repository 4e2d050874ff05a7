"""Baseline: one Python process, lxml and a Counter, the same rules and output
as MRBillWordFreq.

    python bench/contenders/plain_bill_words.py DIR > out.tsv
"""
import os
import sys
from collections import Counter

sys.path.insert(0, __file__.rsplit('/bench/', 1)[0])
from jobs.billtext import NotABill, bill_text, parse_bill  # noqa: E402
from jobs.words import fold, tokens  # noqa: E402


def main(directory):
    token_counts = Counter()
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), 'rb') as f:
            try:
                token_counts.update(tokens(bill_text(parse_bill(f.read())), 6))
            except NotABill:
                continue
    counts = fold(token_counts)
    out = sys.stdout.buffer
    for word, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].encode())):
        out.write(b'%s\t%d\n' % (word.encode(), n))


if __name__ == '__main__':
    main(sys.argv[1])
