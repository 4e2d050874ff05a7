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


def _parser(**kwargs):
    return etree.XMLParser(resolve_entities=False, no_network=True,
                           load_dtd=False, dtd_validation=False,
                           huge_tree=False, **kwargs)


_PARSER = _parser()
# packed bills are already text: their XML declaration no longer tells the encoding
_UTF8_PARSER = _parser(encoding='utf-8')


class NotABill(ValueError):
    """A document that is not well-formed XML or not a bill; ``str()`` says which."""


def parse_bill(xml, utf8=False):
    """Parse the bytes of one bill; return its root element.

    ``utf8=True`` reads the bytes as UTF-8 whatever the XML declaration says
    (for text that was decoded and re-encoded, as in packed bills).
    Raises NotABill.
    """
    try:
        root = etree.fromstring(xml, _UTF8_PARSER if utf8 else _PARSER)
    except etree.XMLSyntaxError as e:
        raise NotABill('not well-formed XML: %s' % e) from None
    if root is None:
        raise NotABill('not well-formed XML: no root element')
    _text_elements(root)  # raises NotABill for other roots
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
    # the text after it is. (Recursion is bounded: without huge_tree, libxml2
    # refuses documents nested deeper than 256.)
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


def xml_as_text(xml, root):
    """The bytes of a parsed document decoded as its parser read them."""
    return xml.decode(root.getroottree().docinfo.encoding or 'utf-8')
