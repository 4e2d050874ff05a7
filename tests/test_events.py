"""Events (ingest.events): the dumps' rules, and the dump file they become."""
import gzip

import pytest

from ingest.events import BadEvent, dump_file, event, hour_of, parse_event


def test_an_event_round_trips_with_its_bytes():
    line = event(b'en', b'Caf\xe9', 1704067200)
    assert line == b'1704067200 en Caf\xe9'
    assert parse_event(line + b'\n') == (1704067200, b'en', b'Caf\xe9')


@pytest.mark.parametrize('domain, title, reason', [
    (b'en', b'a\tb', 'control character'),
    (b'', b'T', 'empty domain or title'),
    (b'en', b'', 'empty domain or title'),
    (b'e n', b'T', 'wrong number of fields'),
])
def test_events_follow_the_dumps_rules(domain, title, reason):
    with pytest.raises(BadEvent, match=reason):
        event(domain, title, 0)


@pytest.mark.parametrize('line', [b'', b'12 en', b'soon en T', b'1 en T extra', b'-1 en T'])
def test_what_is_not_an_event(line):
    with pytest.raises(BadEvent):
        parse_event(line)


def test_the_hour_is_utc():
    assert hour_of(1704067200) == '20240101-00' and hour_of(1704070799) == '20240101-00'
    assert hour_of(1704070800) == '20240101-01'


def test_a_dump_file_is_the_same_bytes_for_the_same_events():
    events = [(b'en', b'B'), (b'de', b'A'), (b'en', b'B')]
    assert dump_file(events) == dump_file(events[::-1])
    assert gzip.decompress(dump_file(events)) == b'de A 1 0\nen B 2 0\n'


def test_a_page_is_judged_the_same_in_and_out_of_the_cache():
    from ingest.events import CACHED_PAGE
    long_title = b'x' * CACHED_PAGE
    for _ in range(2):
        assert event(b'en', long_title, 1) == b'1 en ' + long_title
        with pytest.raises(BadEvent, match='control character'):
            event(b'en', long_title + b'\x01', 1)
        with pytest.raises(BadEvent, match='control character'):
            event(b'en', b'a\x01', 1)
