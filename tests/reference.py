"""Simple second implementations of what the jobs compute, for tests to check
the jobs against. Written from the contracts, not from the jobs' code: other
parsers (the standard library's expat), regular expressions over whole lines,
plain loops and dicts."""
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict

_FOUR = re.compile(rb'([^\x00-\x20]+) ([^\x00-\x20]+) ([0-9]+) ([0-9]+)')
_SIX = re.compile(rb'([^\x00-\x20]+) ([^\x00-\x20]+) (?:[0-9]+|null) '
                  rb'(?:desktop|mobile-web|mobile-app) ([0-9]+) ((?:[A-X][0-9]+)+)')


def pageview_lines(data):
    """Valid ``(domain, title, views, {hour: views} or None)`` of a dump's bytes,
    and the number of malformed lines."""
    valid, bad = [], 0
    for line in data.split(b'\n')[:-1] if data.endswith(b'\n') or not data else data.split(b'\n'):
        if line.endswith(b'\r'):
            line = line[:-1]
        m4, m6 = _FOUR.fullmatch(line), _SIX.fullmatch(line)
        if m4 and int(m4[3]) < 2 ** 63:
            valid.append((m4[1], m4[2], int(m4[3]), None))
        elif m6 and int(m6[3]) < 2 ** 63:
            hours = defaultdict(int)
            for letter, n in re.findall(rb'([A-X])([0-9]+)', m6[4]):
                hours[ord(letter) - ord('A')] += int(n)
            if sum(hours.values()) == int(m6[3]):
                valid.append((m6[1], m6[2], int(m6[3]), dict(hours)))
            else:
                bad += 1
        else:
            bad += 1
    return valid, bad


def page_views(records):
    totals = defaultdict(int)
    for domain, title, views, *_ in records:
        totals[domain, title] += views
    return totals


def sorted_rows(totals):
    """``domain<TAB>title<TAB>views`` lines, views descending, then domain, title."""
    items = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    return [b'%s\t%s\t%d' % (d, t, v) for (d, t), v in items]


def domain_rows(records):
    """``domain<TAB>views<TAB>distinct_titles``, views descending, then domain."""
    views, titles = defaultdict(int), defaultdict(set)
    for domain, title, n, *_ in records:
        views[domain] += n
        titles[domain].add(title)
    return [b'%s\t%d\t%d' % (d, views[d], len(titles[d]))
            for d in sorted(views, key=lambda d: (-views[d], d))]


def hourly_rows(records):
    """``YYYY-MM-DDTHH<TAB>domain<TAB>views`` from records that end with their
    file's name; in hour order, then views descending, then domain."""
    views = defaultdict(int)
    for domain, title, n, hours, name in records:
        hourly = re.match(r'page(?:views|counts)-(\d{4})(\d\d)(\d\d)-(\d\d)0000(\.gz)?$', name)
        daily = re.match(r'pageviews-(\d{4})(\d\d)(\d\d)-[a-z]+(\.bz2)?$', name)
        if hours is None and hourly:
            views['%s-%s-%sT%s' % hourly.groups()[:4], domain] += n
        elif hours is not None and daily:
            for h, count in hours.items():
                views['%s-%s-%sT%02d' % (*daily.groups()[:3], h), domain] += count
    keys = sorted(views, key=lambda k: (k[0], -views[k], k[1]))
    return [b'%s\t%s\t%d' % (hour.encode(), domain, views[hour, domain]) for hour, domain in keys]


def is_word_char(ch):
    # [^\W\d_]: what re calls a word character (alphanumeric or underscore),
    # less decimal digits and the underscore
    return ch.isalnum() and not ch.isdecimal()


def word_counts(texts, min_length=6):
    counts = Counter()
    for text in texts:
        word = ''
        for ch in text + ' ':
            if is_word_char(ch):
                word += ch
            elif word:
                if len(word.lower()) >= min_length:
                    counts[word.lower()] += 1
                word = ''
    return counts


def _texts_under(element):
    # ElementTree built with comments and PIs kept, so that they still
    # separate the text around them
    for node in element.iter():
        if isinstance(node.tag, str) and node.text:
            yield node.text
        for child in node:
            if child.tail:
                yield child.tail


def bill_texts(xml_bytes):
    """The text nodes of a bill's own words, parsed with expat."""
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True, insert_pis=True))
    root = ET.fromstring(xml_bytes, parser=parser)
    uslm = '{http://schemas.gpo.gov/xml/uslm}'
    parts = []
    if root.tag.startswith(uslm):
        parts = root.findall(uslm + 'main')
    else:
        for child in root:
            if child.tag in ('form', 'amendment-form'):
                parts += child.findall('official-title')
            elif isinstance(child.tag, str) and (child.tag == 'preamble' or child.tag.endswith('-body')):
                parts.append(child)
    return [t for part in parts for t in _texts_under(part)]
