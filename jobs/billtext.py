"""Extract the text of a US Congress bill from its XML.

Two schemas are read:

* GPO's bill DTD (roots ``bill``, ``resolution``, ``amendment-doc``): the text
  is the ``official-title`` children of the root's ``form`` or
  ``amendment-form``, the root's ``preamble``, and every child of the root whose
  name ends in ``-body``. Metadata and the rest of the form are front matter.
* USLM (namespace ``http://schemas.gpo.gov/xml/uslm``): everything under the
  root's ``main``.

The parser never loads a DTD or an external entity, from the network or from
disk, and leaves entity references unexpanded, so a hostile document can
neither read files nor blow up in memory.
"""
from lxml import etree

__all__ = ['NotABill', 'parse_bill', 'bill_text', 'xml_as_text']

USLM = '{http://schemas.gpo.gov/xml/uslm}'
DTD_ROOTS = frozenset(['bill', 'resolution', 'amendment-doc'])
FORMS = frozenset(['form', 'amendment-form'])


# deeper than this is refused (libxml2's own bound, without huge_tree)
MAX_DEPTH = 256


def _parser(huge_tree=False, **kwargs):
    return etree.XMLParser(resolve_entities=False, no_network=True,
                           load_dtd=False, dtd_validation=False,
                           huge_tree=huge_tree, **kwargs)


# (plain bytes, packed bills) -> parser: packed bills are already text, and their
# XML declaration no longer tells the encoding
_PARSERS = {False: _parser(), True: _parser(encoding='utf-8')}
# Without huge_tree libxml2 also refuses a text node over 10 MB, which a real
# bill may hold; with it, documents may nest 2048 deep, so depth is checked here
_HUGE_PARSERS = {False: _parser(True), True: _parser(True, encoding='utf-8')}


class NotABill(ValueError):
    """A document that is not well-formed XML or not a bill; ``str()`` says which."""


def parse_bill(xml, utf8=False):
    """Parse the bytes of one bill; return its root element.

    ``utf8=True`` reads the bytes as UTF-8 whatever the XML declaration says
    (for text that was decoded and re-encoded, as in packed bills).
    Raises NotABill.
    """
    try:
        root = etree.fromstring(xml, _PARSERS[utf8])
    except etree.XMLSyntaxError as e:
        if 'XML_PARSE_HUGE' not in str(e) or 'depth' in str(e):
            raise NotABill('not well-formed XML: %s' % e) from None
        root = _parse_huge(xml, utf8)
    if root is None:
        raise NotABill('not well-formed XML: no root element')
    _text_elements(root)  # raises NotABill for other roots
    return root


def _parse_huge(xml, utf8):
    """A document over one of libxml2's size limits (a text node over 10 MB,
    say), within MAX_DEPTH."""
    try:
        root = etree.fromstring(xml, _HUGE_PARSERS[utf8])
    except etree.XMLSyntaxError as e:
        raise NotABill('not well-formed XML: %s' % e) from None
    depth = 0
    for event, _ in etree.iterwalk(root, events=('start', 'end')):
        depth += 1 if event == 'start' else -1
        if depth > MAX_DEPTH:
            raise NotABill('not well-formed XML: nested deeper than %d' % MAX_DEPTH)
    return root


def _text_elements(root):
    tag = root.tag
    if tag.startswith(USLM):
        mains = [child for child in root if child.tag == USLM + 'main']
        if not mains:
            raise NotABill('not a bill: USLM document without <main>')
        return mains
    if tag not in DTD_ROOTS:
        raise NotABill('not a bill: root <%s>' % tag)
    parts = []
    for child in root:
        name = child.tag if isinstance(child.tag, str) else ''
        if name in FORMS:
            parts.extend(g for g in child if g.tag == 'official-title')
        elif name == 'preamble' or name.endswith('-body'):
            parts.append(child)
    return parts


def _text_nodes(element):
    # Text of elements, and the tails of every node: the text of a comment,
    # processing instruction or unexpanded entity is not text of the bill, but
    # the text after it is. (Recursion is bounded: documents nested deeper
    # than MAX_DEPTH are refused.)
    if isinstance(element.tag, str):
        if element.text:
            yield element.text
        for child in element:
            yield from _text_nodes(child)
            if child.tail:
                yield child.tail


def bill_text(root):
    """The bill's own words, as one string: its text nodes joined by spaces
    (element boundaries are word boundaries)."""
    return ' '.join(text for part in _text_elements(root)
                    for text in _text_nodes(part))


# byte order marks, longest first (UTF-32's starts as UTF-16's does), and the
# codec that reads a document that starts with one, the mark left out
_BOMS = [(b'\xff\xfe\x00\x00', 'utf-32'), (b'\x00\x00\xfe\xff', 'utf-32'),
         (b'\xef\xbb\xbf', 'utf-8-sig'), (b'\xff\xfe', 'utf-16'), (b'\xfe\xff', 'utf-16')]


def xml_as_text(xml, root):
    """The bytes of a parsed document decoded as its parser read them: by its
    byte order mark if it has one (lxml says UTF-8 of a UTF-16 document with
    a mark and no XML declaration), else by its declared encoding."""
    for bom, codec in _BOMS:
        if xml.startswith(bom):
            return xml.decode(codec)
    return xml.decode(root.getroottree().docinfo.encoding or 'utf-8')
