"""What the bill jobs share: reading every bill of an input file, counting what
is skipped, and ``--strict``."""
import logging
import posixpath
from collections import Counter

from mrjob.compat import jobconf_from_env

from jobs.billfiles import BadFile, read_bills
from jobs.billtext import NotABill, parse_bill
from jobs.tally import BadInput, TallyJob

__all__ = ['BillJob']

GROUP = 'bills'
log = logging.getLogger(__name__)


class BillJob(TallyJob):

    def reads_whole_files(self):
        return True

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg(
            '--strict', action='store_true',
            help='fail on the first document that is not a well-formed bill,'
                 ' instead of counting and skipping it')
    def start_counting(self):
        self._stats = Counter()
        # whole-file tasks read a manifest of many files: name records by task
        task = jobconf_from_env('mapreduce.task.partition', '0')
        self._bad = self.open_bad_records('bills-task%s' % task)

    def emit_stats(self):
        for name, n in self._stats.items():
            self.increment_counter(GROUP, name, n)
        if self._bad:
            self._bad.close()

    def skip(self, where, reason, record=None, name=None):
        """Count a skipped document or line (and keep it, with --bad-records),
        or fail with ``--strict``."""
        message = '%s: %s' % (where, reason)
        if self.options.strict:
            raise BadInput(message)
        self._stats['skipped: %s' % reason.split(':')[0]] += 1
        log.warning('skipped %s', message)
        if self._bad is None:
            pass
        elif name is not None:
            self._bad.add_document(name, record, where, reason)
        elif record is not None:
            self._bad.add_line(record, where, reason)
        else:
            self._bad.add(where, reason)

    def bills_of_file(self, path, uri):
        """Yield ``(bill_id, xml_bytes, root)`` for each bill in one input
        file; count and skip what is not a bill."""
        try:
            for bill_id, xml, problem in read_bills(path, uri):
                where = '%s (%s)' % (bill_id, uri)
                if problem:
                    self.skip(where, problem)
                    continue
                self._stats['documents read'] += 1
                try:
                    root = parse_bill(xml)
                except NotABill as e:
                    name = '%s--%s.xml' % (posixpath.basename(uri), bill_id)
                    self.skip(where, str(e), xml, name)
                    continue
                yield bill_id, xml, root
        except BadFile as e:
            # damaged since the launcher checked it: the user's to fix
            raise BadInput(str(e)) from None

