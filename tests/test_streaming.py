from mrjob.protocol import BytesProtocol
import pytest

from jobs.streaming import _bytes_pairs, _write_bytes_pair


# Streaming tasks move records without mrjob's protocol objects: they must
# read and write exactly what BytesProtocol would.

@pytest.mark.parametrize('key, value', [
    (b'en Main_Page', b'12'), (b'', b'x'), (None, b'v'), (b'k', None), (None, None), (b'a', b'b\tc')])
def test_write_bytes_pair_writes_what_mrjob_writes(key, value):
    assert _write_bytes_pair(key, value) == BytesProtocol().write(key, value)


def test_bytes_pairs_read_what_mrjob_reads():
    lines = [b'a\tb\n', b'no tab\n', b'a\tb\tc\r\n', b'\t\n', b'\tvalue', b'\n']
    assert [tuple(p) for p in _bytes_pairs(lines)] == [
        BytesProtocol().read(line.rstrip(b'\r\n')) for line in lines]



def test_hadoops_empty_field_after_a_sorted_value_is_not_ours():
    # With SORT_VALUES, Hadoop hands a reducer `key<TAB>value<TAB>` when the
    # value holds no tab (as none of ours does): the value is the same
    assert list(_bytes_pairs([b'k\trow one\t\n', b'k\trow two\n'])) == [
        [b'k', b'row one'], [b'k', b'row two']]
