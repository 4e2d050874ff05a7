"""Count the words of US Congress bills (GPO bill DTD and USLM XML).

Reads loose, gzipped or bzipped bill XML and govinfo bulk ``.zip`` archives
whole (see InputPlanning.file_mapper), or packed bills (``--packed``, see mr_pack_bills),
which Hadoop can split and Spark can read. Words are runs of letters,
lower-cased, of at least ``--min-word-length`` (6) characters.

Output: ``word<TAB>count``, most frequent first, then by word.

One step: each map task sends its word counts in a few big records under one
key, and a single reducer sums and sorts them. A vocabulary is small (all of
Congress's fits in memory many times over) and the volume is in documents,
which the mappers share; a second, sorting step would cost more than it saves.

Sample command line:

    python -m jobs.mr_bill_word_freq inputs/bills/ > words.tsv
"""
from collections import defaultdict

from mrjob.step import MRStep

from jobs.bill_job import BillJob
from jobs.billtext import NotABill, bill_text, parse_bill
from jobs.inputs import is_local, looks_like, open_dump
from jobs.protocols import PackedBillProtocol
from jobs.rows import SEP, cut
from jobs.tally import at_least, descending
from jobs.words import TokenCounts, fold, load_stop_words


class MRBillWordFreq(BillJob):

    COLUMNS = (('word', 'string'), ('count', 'bigint'))

    INPUT_PROTOCOL = PackedBillProtocol
    VALID = ('documents counted',)

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg(
            '--packed', action='store_true',
            help='inputs are packed bills (bill_id<TAB>JSON), not XML files')
        self.add_passthru_arg(
            '--min-word-length', type=at_least(1), default=6, metavar='N',
            help='drop words shorter than N characters (default 6)')
        self.add_file_arg(
            '--stop-words', metavar='FILE',
            help='drop the words in FILE (one per line)')

    def load_args(self, args):
        super().load_args(args)
        if self.options.stop_words and not self.is_task():
            # read here, so that a bad file is a one-line error, not a task's traceback
            try:
                load_stop_words(self.options.stop_words)
            except (OSError, UnicodeDecodeError) as e:
                self.arg_parser.error('--stop-words %s: %s' % (self.options.stop_words, e))
        if (not self.is_task() and not self.options.packed and self.input_files
                and all(is_local(f) and looks_like(f) == 'packed bills' for f in self.input_files)):
            # packed bills, recognised by their first line (a task also
            # recognises a packed file among XML ones)
            self.options.packed = True
        if self.options.runner == 'spark' and not self.options.packed:
            # mapper_raw needs Hadoop input manifests, which Spark lacks
            self.arg_parser.error(
                'the Spark runner cannot read whole XML files: pack them first'
                ' (python -m jobs.mr_pack_bills INPUT... --output-dir DIR),'
                ' then run this job with --packed DIR')

    def reads_whole_files(self):
        return True

    def launcher_switches(self):
        return super().launcher_switches() + (['--packed'] if self.options.packed else [])

    def steps(self):
        if self.options.packed and not self.options.file_list:
            read = dict(mapper=self.count_packed_words)
        elif self.options.packed:
            read = self.file_mapper(self.count_packed_file_words)
        else:
            read = self.file_mapper(self.count_file_words)
        return [MRStep(mapper_init=self.start_counting_words, mapper_final=self.emit_words,
                       reducer=self.sum_words, **read)]

    def start_counting_words(self):
        self.start_counting()
        self._tokens = TokenCounts(self.options.min_word_length)

    def count_bill_words(self, root):
        self._tokens.add(bill_text(root))
        self.count('documents counted')

    def count_file_words(self, path, uri):
        if looks_like(path) == 'packed bills':  # packed without --packed
            return self.count_packed_file_words(path, uri)
        for _, _, root in self.bills_of_file(path, uri):
            self.count_bill_words(root)
        return ()

    def count_packed_file_words(self, path, uri):
        """Packed bills read whole by the task itself (local runners)."""
        self.start_file(uri)
        protocol = PackedBillProtocol()
        with open_dump(path) as f:
            for line in f:
                yield from self.count_packed_words(*protocol.read(line.rstrip(b'\n')))

    def count_packed_words(self, bill_id, xml_text):
        if bill_id is None:
            self.skip('line %r' % xml_text[:60], 'not a packed bill line', xml_text)
            return
        self.count('documents read')
        xml = xml_text.encode('utf-8')
        try:
            root = parse_bill(xml, utf8=True)
        except NotABill as e:
            self.skip(bill_id, str(e), xml, 'packed--%s.xml' % bill_id)
            return
        self.count_bill_words(root)
        return
        yield

    def emit_words(self):
        stop_words = (load_stop_words(self.options.stop_words)
                      if self.options.stop_words else frozenset())
        counts = fold(self._tokens.total(), self.options.min_word_length, stop_words)
        rows = [b'%s %d' % (word.encode('utf-8'), n) for word, n in counts.items()]
        for chunk in cut(rows):
            yield b'', SEP.join(chunk)
        self.emit_stats()

    def sum_words(self, _, parts):
        counts = defaultdict(int)
        for part in parts:
            for row in part.split(SEP):
                word, n = row.split(b' ')
                counts[word] += int(n)
        rows = sorted([b'%s %s %d' % (descending(n), word, n) for word, n in counts.items()])
        for chunk in cut(rows):
            yield None, self.format_rows(chunk)


if __name__ == '__main__':
    MRBillWordFreq.run()
