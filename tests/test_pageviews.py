import pytest

from jobs.pageviews import Malformed, hour_of_file, hourly_counts, parse_pageview


@pytest.mark.parametrize('line, expected', [
    (b'en Main_Page 42 0\n', (b'en', b'Main_Page', 42, None)),
    (b'en Main_Page 42 0\r\n', (b'en', b'Main_Page', 42, None)),
    (b'en Main_Page 42 0', (b'en', b'Main_Page', 42, None)),
    (b'de.m %C3%9Cbersicht 007 123456', (b'de.m', b'%C3%9Cbersicht', 7, None)),
    # bytes that are not UTF-8 (CP1251 Cyrillic, a cut-off sequence) are kept as they are
    (b'ru \xcc\xee\xf1\xea\xe2\xe0 3 10', (b'ru', b'\xcc\xee\xf1\xea\xe2\xe0', 3, None)),
    (b'ja Foo%C3 1 1', (b'ja', b'Foo%C3', 1, None)),
    (b'en &quot;<b>x</b> 1 1', (b'en', b'&quot;<b>x</b>', 1, None)),
    (b'en Zero 0 0', (b'en', b'Zero', 0, None)),
    (b'en Big 9223372036854775807 0', (b'en', b'Big', 2 ** 63 - 1, None)),
    (b'en.wikipedia Main_Page 15580374 desktop 15 A3C2X10',
     (b'en.wikipedia', b'Main_Page', 15, b'A3C2X10')),
    (b'commons.wikimedia File:X.jpg null mobile-app 1 B1',
     (b'commons.wikimedia', b'File:X.jpg', 1, b'B1')),
    # the bytes field is never used: beyond 64 bits, its views still count
    (b'en Big_File 3 99999999999999999999999', (b'en', b'Big_File', 3, None)),
])
def test_valid_lines(line, expected):
    assert parse_pageview(line) == expected


@pytest.mark.parametrize('line, reason', [
    (b'', 'wrong number of fields'),
    (b'\n', 'wrong number of fields'),
    (b'en Main_Page 42', 'wrong number of fields'),
    (b'en Main_Page 42 0 0', 'wrong number of fields'),
    (b'en  Main_Page 42 0', 'wrong number of fields'),
    (b'en Main_Page 42 0 ', 'wrong number of fields'),
    (b' Main_Page 1 0', 'empty domain or title'),
    (b'en  1 0', 'empty domain or title'),
    (b'en Main_Page x 0', 'views not a number'),
    (b'en Main_Page -1 0', 'views not a number'),
    (b'en Main_Page +1 0', 'views not a number'),
    (b'en Main_Page 1.5 0', 'views not a number'),
    (b'en Main_Page \xd9\xa3 0', 'views not a number'),  # ARABIC-INDIC DIGIT THREE
    (b'en Main_Page 1 -', 'response size not a number'),
    (b'en Big 9223372036854775808 0', 'views too large'),
    (b'en Main\tPage 1 0', 'control character'),
    (b'en Main\x00Page 1 0', 'control character'),
    (b'en Main\rPage 1 0', 'control character'),
    (b'en.wikipedia X 12 desktop 5 A2B2', 'hourly counts do not add up to daily total'),
    (b'en.wikipedia X 12 tablet 4 A2B2', 'unknown access method'),
    (b'en.wikipedia X id12 desktop 4 A2B2', 'page id not a number'),
    (b'en.wikipedia X 12 desktop 4 A2Z2', 'hourly counts not letter+count pairs'),
    (b'en.wikipedia X 12 desktop 4 2A2B', 'hourly counts not letter+count pairs'),
    (b'en.wikipedia X 12 desktop 0 ', 'hourly counts not letter+count pairs'),
])
def test_malformed_lines(line, reason):
    with pytest.raises(Malformed) as e:
        parse_pageview(line)
    assert str(e.value) == reason


def test_very_long_line_is_parsed_whole():
    title = b'A' * 1_000_000
    assert parse_pageview(b'en ' + title + b' 5 0') == (b'en', title, 5, None)


def test_hourly_counts():
    assert list(hourly_counts(b'A3C2X10')) == [(0, 3), (2, 2), (23, 10)]
    assert list(hourly_counts(b'B1B2')) == [(1, 1), (1, 2)]


@pytest.mark.parametrize('path, hour', [
    ('pageviews-20240101-130000.gz', '2024-01-01T13'),
    ('pageviews-20240101-130000', '2024-01-01T13'),
    ('s3://bucket/other/pageviews/2024/2024-01/pageviews-20240101-000000.gz', '2024-01-01T00'),
    ('file:///data/pagecounts-20071210-230000.gz', '2007-12-10T23'),
    ('/data/pageviews-20240101-user.bz2', '2024-01-01T'),
    ('pageviews-20240101-automated', '2024-01-01T'),
    ('pagecounts-sample-1k.txt', None),
    ('pageviews-20240101-130000.gz.bak', None),
    ('', None),
])
def test_hour_of_file(path, hour):
    assert hour_of_file(path) == hour
