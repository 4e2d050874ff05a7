"""Baseline: bill words in the style of mrjob's word-count example, over
packed bills (one bill per line): a mapper that yields (word, 1) for every
word, JSON protocols, a combiner. Output unsorted. (Over loose files, mrjob's
one map task per file makes it slower still: about 1.5 files/s.)

    python bench/contenders/naive_bill_words.py -r local PACKED_DIR > out.tsv
"""
import json
import re

from lxml import etree
from mrjob.job import MRJob
from mrjob.protocol import RawValueProtocol

WORD = re.compile(r'[^\W\d_]+')
USLM = '{http://schemas.gpo.gov/xml/uslm}'


class MRNaiveBillWords(MRJob):

    OUTPUT_PROTOCOL = RawValueProtocol

    def mapper(self, _, line):
        xml = json.loads(line.split('\t', 1)[1])
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                 encoding='utf-8')
        root = etree.fromstring(xml.encode('utf-8'), parser)
        if root.tag.startswith(USLM):
            parts = root.findall(USLM + 'main')
        else:
            parts = [g for c in root if c.tag in ('form', 'amendment-form')
                     for g in c if g.tag == 'official-title']
            parts += [c for c in root if isinstance(c.tag, str)
                      and (c.tag == 'preamble' or c.tag.endswith('-body'))]
        for part in parts:
            for text in part.itertext():
                for word in WORD.findall(text):
                    if len(word.lower()) >= 6:
                        yield word.lower(), 1

    def combiner(self, word, counts):
        yield word, sum(counts)

    def reducer(self, word, counts):
        yield None, '%s\t%d' % (word, sum(counts))


if __name__ == '__main__':
    MRNaiveBillWords.run()
