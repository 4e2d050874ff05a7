"""mrjob protocols of our own."""
import json
import os

import orjson

__all__ = ['PackedBillProtocol', 'ByteChars']


class PackedBillProtocol:
    """Packed bills: one bill per line, ``bill_id<TAB>JSON string of its XML``.

    Packed files split, compress and stream like any text, so Hadoop gives each
    task many bills (not one task per tiny file) and Spark can read them.
    ``read`` gives ``(bill_id, xml_text)``, or ``(None, line)`` for a line that
    is not a packed bill, for the job to count.
    """

    def read(self, line):
        bill_id, tab, payload = line.partition(b'\t')
        try:
            # orjson: two to three times the json module's speed, and it refuses
            # what is not Unicode text (a lone surrogate such as "\ud800")
            xml_text = orjson.loads(payload)
            bill_id = bill_id.decode('utf-8')
        except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
            return None, line
        if not tab or not isinstance(xml_text, str):
            return None, line
        return bill_id, xml_text

    def write(self, bill_id, xml_text):
        return b'%s\t%s' % (bill_id.encode('utf-8'),
                            json.dumps(xml_text, ensure_ascii=False).encode('utf-8'))


class ByteChars:
    """Another protocol's lines, carried as UTF-8 text in which each char is
    one byte of the line (ISO-8859-1).

    mrjob's Spark harness passes lines through Java strings, which replace
    bytes that are not UTF-8 with U+FFFD. With mrtally's Hadoop formats
    (``mrtally.ByteLine{In,Out}putFormat``, hadoop/src/) they arrive and leave
    as such chars instead, and this turns them back into the exact bytes.

    With ``paths``, each line read is led by its file's path and a NUL
    (``mrtally.FileByteLineInputFormat``): the path goes where Hadoop puts it
    for a task, ``$mapreduce_map_input_file``, and the line to the protocol.
    """

    def __init__(self, protocol, paths=False):
        self._protocol = protocol
        self._paths = paths
        self._path = None

    def read(self, line):
        data = line.decode('utf-8').encode('latin-1')
        if self._paths:
            path, _, data = data.partition(b'\0')
            if path != self._path:
                self._path = path
                os.environ['mapreduce_map_input_file'] = path.decode('utf-8', 'surrogateescape')
        return self._protocol.read(data)

    def write(self, key, value):
        return self._protocol.write(key, value).decode('latin-1').encode('utf-8')
