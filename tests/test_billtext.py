from collections import Counter
from pathlib import Path

import pytest

import reference
from jobs.billtext import NotABill, bill_text, parse_bill, xml_as_text
from jobs.words import words

BILLS = sorted((Path(__file__).parent / 'fixtures' / 'bills').iterdir())

GPO_BILL = b'''<?xml version="1.0"?>
<!DOCTYPE bill PUBLIC "-//US Congress//DTDs/bill v2.8 20020720//EN" "bill.dtd">
<bill bill-stage="Introduced-in-House">
<metadata><dublinCore><title>metadata words</title></dublinCore></metadata>
<form>
<congress>113th CONGRESS</congress>
<action><action-desc>sponsor introduced</action-desc></action>
<official-title>To protect lionfish</official-title>
</form>
<preamble><whereas>Whereas oceans<!-- drafting comment -->matter</whereas></preamble>
<legis-body><section><header>Short title</header><text>This Act<?pi ignored?>may be cited</text></section></legis-body>
<attestation>Clerk signature</attestation>
</bill>'''

USLM_BILL = b'''<?xml version="1.0" encoding="UTF-8"?>
<resolution xmlns="http://schemas.gpo.gov/xml/uslm">
<meta><docNumber>99 metadata</docNumber></meta>
<preface><docTitle>Preface words</docTitle></preface>
<main><longTitle><docTitle>Joint</docTitle><officialTitle>Honoring reading</officialTitle></longTitle>
<section><content>Resolved<b>first</b>second</content></section></main>
<signatures><signature>Speaker</signature></signatures>
<endMarker>end</endMarker>
</resolution>'''


def test_gpo_bill_text_is_titles_preamble_and_bodies():
    text = bill_text(parse_bill(GPO_BILL))
    assert text.split() == ['To', 'protect', 'lionfish', 'Whereas', 'oceans', 'matter',
                            'Short', 'title', 'This', 'Act', 'may', 'be', 'cited']


def test_uslm_bill_text_is_main_only():
    text = bill_text(parse_bill(USLM_BILL))
    assert text.split() == ['Joint', 'Honoring', 'reading', 'Resolved', 'first', 'second']


def test_element_boundaries_are_word_boundaries():
    xml = b'<bill><legis-body><header>Short title</header><text>this Act</text></legis-body></bill>'
    assert 'titlethis' not in bill_text(parse_bill(xml))
    assert list(words(bill_text(parse_bill(xml)), min_length=1)) == ['short', 'title', 'this', 'act']


@pytest.mark.parametrize('root', ['bill', 'resolution', 'amendment-doc'])
def test_every_body_element_counts(root):
    xml = ('<%s><amendment-form><official-title>Alpha</official-title></amendment-form>'
           '<engrossed-amendment-body>Beta</engrossed-amendment-body>'
           '<resolution-body>Gamma</resolution-body><endorsement>Delta</endorsement></%s>'
           % (root, root)).encode()
    assert bill_text(parse_bill(xml)).split() == ['Alpha', 'Beta', 'Gamma']


@pytest.mark.parametrize('xml, reason', [
    (b'', 'not well-formed XML'),
    (b'<bill><legis-body>unclosed</bill>', 'not well-formed XML'),
    (b'\xff\xfe<bill/>', 'not well-formed XML'),
    (b'<html><body>hi</body></html>', 'not a bill: root <html>'),
    (b'<lawDoc xmlns="http://schemas.gpo.gov/xml/uslm"><meta/></lawDoc>',
     'not a bill: USLM document without <main>'),
])
def test_not_a_bill(xml, reason):
    with pytest.raises(NotABill) as e:
        parse_bill(xml)
    assert str(e.value).startswith(reason)


def test_external_entities_are_never_read(tmp_path):
    secret = tmp_path / 'secret.txt'
    secret.write_text('TOPSECRETWORD')
    xml = ('<?xml version="1.0"?><!DOCTYPE bill [<!ENTITY x SYSTEM "file://%s">]>'
           '<bill><legis-body>before &x; after</legis-body></bill>' % secret).encode()
    text = bill_text(parse_bill(xml))
    assert 'TOPSECRETWORD' not in text
    assert text.split() == ['before', 'after']


def test_a_missing_external_dtd_is_not_fetched():
    xml = (b'<!DOCTYPE bill SYSTEM "http://127.0.0.1:9/bill.dtd">'
           b'<bill><legis-body>words here</legis-body></bill>')
    assert bill_text(parse_bill(xml)).split() == ['words', 'here']


def test_entity_bomb_is_not_expanded():
    lol = b'<!ENTITY a0 "lollollollollollollollollollol">' + b''.join(
        b'<!ENTITY a%d "%s">' % (i, b''.join(b'&a%d;' % (i - 1) for _ in range(10)))
        for i in range(1, 10))
    xml = b'<!DOCTYPE bill [' + lol + b']><bill><legis-body>&a9;</legis-body></bill>'
    try:
        text = bill_text(parse_bill(xml))
    except NotABill:
        return  # refusing the document is as good as not expanding it
    assert 'lol' not in text


def test_deep_nesting_is_refused_not_a_crash():
    xml = b'<bill><legis-body>' + b'<a>' * 100_000 + b'x' + b'</a>' * 100_000 + b'</legis-body></bill>'
    with pytest.raises(NotABill):
        parse_bill(xml)


def test_a_text_node_over_10_mb_is_read():
    # libxml2 refuses a text node over 10 MB unless told otherwise; a real bill may hold one
    xml = b'<bill><legis-body><text>' + b'legislation ' * 1_000_000 + b'</text></legis-body></bill>'
    assert Counter(words(bill_text(parse_bill(xml)))) == {'legislation': 1_000_000}


def test_a_huge_text_node_does_not_lift_the_nesting_limit():
    deep = b'<a>' * 300 + b'x' + b'</a>' * 300
    # the text node first, so that libxml2 stops at its size before the depth
    xml = b'<bill><legis-body><text>' + b'y' * 11_000_000 + b'</text>' + deep + b'</legis-body></bill>'
    with pytest.raises(NotABill, match='nested deeper than 256'):
        parse_bill(xml)


@pytest.mark.parametrize('path', BILLS, ids=lambda p: p.name)
def test_real_bills_match_a_second_implementation(path):
    xml = path.read_bytes()
    ours = Counter(words(bill_text(parse_bill(xml))))
    theirs = reference.word_counts(reference.bill_texts(xml))
    assert ours == theirs
    assert sum(ours.values()) > 10


def test_real_bill_leaves_out_front_matter():
    xml = (Path(__file__).parent / 'fixtures' / 'bills' / 'hres67-113-ih.xml').read_bytes()
    counts = Counter(words(bill_text(parse_bill(xml))))
    # the resolution is about lionfish; its sponsors and committee are front matter
    assert counts['lionfish'] > 0
    assert counts['committee'] == 0


def test_xml_as_text_decodes_as_declared():
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?><bill><legis-body>Café</legis-body></bill>'
    raw = xml.encode('latin-1')
    assert xml_as_text(raw, parse_bill(raw)) == xml
    text = xml_as_text(raw, parse_bill(raw))
    # re-encoded as UTF-8, the declaration is stale: utf8=True reads it right
    assert bill_text(parse_bill(text.encode('utf-8'), utf8=True)) == 'Café'


def test_comments_pis_and_entities_separate_words_but_are_not_text():
    xml = (b'<!DOCTYPE bill [<!ENTITY section "IGNORED">]><bill><legis-body>'
           b'alpha<!--comment-->beta<?pi target?>gamma&section;delta</legis-body></bill>')
    assert bill_text(parse_bill(xml)).split() == ['alpha', 'beta', 'gamma', 'delta']
