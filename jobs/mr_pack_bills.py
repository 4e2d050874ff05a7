"""Pack bill XML files into packed bills: one bill per line, ``bill_id<TAB>JSON``.

Output: ``bill_id<TAB>JSON``, the bill's XML as one JSON string, in bill id order.

Only documents that parse as bills are packed (the rest are counted and
skipped, as mr_bill_word_freq would), so counting packed bills gives the same
words as counting the files they came from. The part files, read in order,
are in bill id order on every runner (on Hadoop and EMR, one reducer writes
them all; ``-D mapreduce.job.reduces=N`` gives N files instead, each in bill
id order).

Sample command line:

    python -m jobs.mr_pack_bills inputs/bills/ --output-dir packed/
"""
from mrjob.step import MRStep

from jobs.bill_job import BillJob
from jobs.billtext import xml_as_text
from jobs.protocols import PackedBillProtocol


class MRPackBills(BillJob):

    COLUMNS = (('bill_id', 'string'), ('xml', 'string'))

    INTERNAL_PROTOCOL = PackedBillProtocol
    OUTPUT_PROTOCOL = PackedBillProtocol
    SORT_VALUES = False
    VALID = ('documents packed',)

    def hint(self, looks):
        return 'already packed' if looks == 'packed bills' else super().hint(looks)
    # output in bill id order, as the local runners write it
    JOBCONF = {'mapreduce.job.reduces': 1}

    def steps(self):
        return [MRStep(mapper_init=self.start_counting,
                       mapper_final=self.emit_stats,
                       reducer=self.write_bills,
                       **self.file_mapper(self.pack_file))]

    def pack_file(self, path, uri):
        for bill_id, xml, root in self.bills_of_file(path, uri):
            self.count('documents packed')
            yield bill_id, xml_as_text(xml, root)

    def write_bills(self, bill_id, xml_texts):
        # a reducer, so that many small files become few packed ones
        for xml_text in xml_texts:
            yield bill_id, xml_text


if __name__ == '__main__':
    MRPackBills.run()
