"""What the bill jobs share: reading every bill of an input file, counting what
is skipped, and ``--strict``."""
import posixpath
from collections import Counter

from mrjob.compat import jobconf_from_env

from jobs.billfiles import BadFile, read_bills
from jobs.billtext import NotABill, parse_bill
from jobs.inputs import printable_name
from jobs.tally import BadInput, TallyJob

__all__ = ['BillJob']

GROUP = 'bills'


class BillJob(TallyJob):

    GROUP = GROUP

    def hint(self, looks):
        if looks == 'bill XML':
            return 'no document of it is a well-formed bill'
        return 'looks like %s, not bills' % looks if looks else 'not bill XML'

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
        self._file = None        # the input file being read
        self._file_stats = {}    # file name -> Counter of what it held
        self._file_firsts = {}   # file name -> {reason: where first seen}
        # whole-file tasks read a manifest of many files: name records by task
        task = jobconf_from_env('mapreduce.task.partition', '0')
        self._bad = self.open_bad_records('bills-task%s' % task)

    def start_file(self, uri):
        self._file = printable_name(posixpath.basename(uri) or 'stdin')
        self._file_stats.setdefault(self._file, Counter())
        self._file_firsts.setdefault(self._file, {})

    def count(self, what, n=1):
        """Count ``what`` in the task's totals and its file's."""
        self._stats[what] += n
        if self._file is not None:
            self._file_stats[self._file][what] += n

    def emit_stats(self):
        for name, n in self._stats.items():
            self.increment_counter(GROUP, name, n)
        for name, stats in self._file_stats.items():
            # a group only for a file with something skipped (as every file
            # that yields nothing valid has): what the totals do not tell.
            # 10,000 loose bills would make 20,000 counters, each a line of
            # stderr, saying "1 read, 1 counted".
            if self.wants_file_counters() and set(stats) - {'documents read', *self.VALID}:
                for counter, n in stats.items():
                    self.increment_counter('file ' + name, counter, n)
            self.emit_skips(name, stats, self._file_firsts[name])
        if self._bad:
            self._bad.close()

    def skip(self, where, reason, record=None, name=None):
        """Count a skipped document or line (and keep it, with --bad-records),
        or fail with ``--strict``."""
        message = '%s: %s' % (where, reason)
        if self.options.strict:
            raise BadInput(message)
        reason_counter = 'skipped: %s' % reason.split(':')[0]
        self.count(reason_counter)
        if self._file is not None:
            self._file_firsts[self._file].setdefault(reason_counter, where)
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
        self.start_file(uri)
        try:
            for bill_id, xml, problem in read_bills(path, uri):
                where = '%s (%s)' % (bill_id, uri)
                if problem:
                    self.skip(where, problem)
                    continue
                self.count('documents read')
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

