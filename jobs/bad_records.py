"""Where a task writes what it skipped (``--bad-records DIR``)."""
import os

__all__ = ['BadRecords']


class BadRecords:
    """Where a task writes what it skipped (``--bad-records DIR``), for a person
    to inspect, mend and count again.

    ``NAME.bad`` holds skipped lines exactly as they were read (mended, it is
    input for the same job); ``NAME.why.tsv`` has one ``where<TAB>reason`` line
    for each skipped record, lines or documents. Files are made on first use.
    """

    def __init__(self, directory, name):
        self._base = os.path.join(directory, name.replace('/', '_'))
        self._lines = self._why = None

    def add_line(self, line, where, reason):
        if self._lines is None:
            self._lines = open(self._base + '.bad', 'wb')
        self._lines.write(line.rstrip(b'\n') + b'\n')
        self.add(where, reason)

    def add_document(self, name, data, where, reason):
        """Keep a whole document as ``DIR/name``."""
        directory = os.path.dirname(self._base)
        with open(os.path.join(directory, name.replace('/', '_')), 'wb') as f:
            f.write(data)
        self.add(where, reason)

    def add(self, where, reason):
        if self._why is None:
            self._why = open(self._base + '.why.tsv', 'wb')
        self._why.write(b'%s\t%s\n' % (str(where).encode('utf-8', 'backslashreplace'),
                                       reason.encode('utf-8', 'backslashreplace')))

    def close(self):
        for f in (self._lines, self._why):
            if f is not None:
                f.close()
