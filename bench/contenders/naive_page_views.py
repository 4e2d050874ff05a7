"""Baseline: page views in the style of mrjob's word-count example (JSON
protocols, one pair per line, a combiner). Output unsorted.

    python bench/contenders/naive_page_views.py -r local FILE.gz... > out.tsv
"""
from mrjob.job import MRJob
from mrjob.protocol import RawValueProtocol


class MRNaivePageViews(MRJob):

    OUTPUT_PROTOCOL = RawValueProtocol

    def mapper(self, _, line):
        fields = line.rstrip('\r').split(' ')
        if (len(fields) == 4 and fields[0] and fields[1] and fields[2].isdigit()
                and fields[3].isdigit()):
            yield (fields[0], fields[1]), int(fields[2])

    def combiner(self, page, views):
        yield page, sum(views)

    def reducer(self, page, views):
        yield None, '%s\t%s\t%d' % (page[0], page[1], sum(views))


if __name__ == '__main__':
    MRNaivePageViews.run()
