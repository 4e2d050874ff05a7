"""What the bill jobs share: reading every bill of an input file, counting what
is skipped, and ``--strict``."""
import logging
from collections import Counter

from jobs.billfiles import BadFile, read_bills
from jobs.billtext import NotABill, parse_bill
from jobs.tally import BadInput, TallyJob

__all__ = ['BillJob']

GROUP = 'bills'
log = logging.getLogger(__name__)


class BillJob(TallyJob):

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg(
            '--strict', action='store_true',
            help='fail on the first document that is not a well-formed bill,'
                 ' instead of counting and skipping it')

    def start_counting(self):
        self._stats = Counter()

    def emit_stats(self):
        for name, n in self._stats.items():
            self.increment_counter(GROUP, name, n)

    def skip(self, what, reason):
        """Count a skipped document, or fail with ``--strict``."""
        message = '%s: %s' % (what, reason)
        if self.options.strict:
            raise BadInput(message)
        self._stats['skipped: %s' % reason.split(':')[0]] += 1
        log.warning('skipped %s', message)

    def bills_of_file(self, path, uri):
        """Yield ``(bill_id, xml_bytes, root)`` for each bill in one input
        file; count and skip what is not a bill."""
        try:
            for bill_id, xml in read_bills(path, uri):
                if xml is None:
                    self.skip('%s member %s' % (uri, bill_id), 'not an XML file')
                    continue
                self._stats['documents read'] += 1
                try:
                    root = parse_bill(xml)
                except NotABill as e:
                    self.skip('%s (%s)' % (bill_id, uri), str(e))
                    continue
                yield bill_id, xml, root
        except BadFile as e:
            # a damaged file is the user's to fix, not a document to skip
            raise BadInput(str(e)) from None
