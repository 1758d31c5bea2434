"""A text box fixed to the foot of the page's text area, in DrawingML (wp:anchor holding a
wps text box), for the 版记. Word and LibreOffice both place such a box at the page foot;
LibreOffice 7.4 lays a floating table (w:tblpPr) and a framed paragraph (w:framePr) inline."""

from __future__ import annotations

from docx.oxml import parse_xml
from docx.oxml.ns import qn
from lxml.etree import _Element

EMU_PER_PT = 12700
NAMESPACES = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
)
SHAPE_URI = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"


def foot_box(
    content: list[_Element], width_pt: float, height_pt: float, shape_id: int, name: str
) -> _Element:
    """A w:drawing to put in a run: a borderless box as wide as `width_pt`, centred, its
    bottom on the bottom margin, text kept above and below it, holding `content` (block
    elements: paragraphs, tables). The box grows to its text (spAutoFit); `height_pt` is the
    size a reader shows before it lays the text out."""
    cx, cy = round(width_pt * EMU_PER_PT), round(height_pt * EMU_PER_PT)
    drawing = parse_xml(
        f'<w:drawing {NAMESPACES}><wp:anchor distT="0" distB="0" distL="0" distR="0" '
        'simplePos="0" relativeHeight="251659264" behindDoc="0" locked="0" layoutInCell="1" '
        'allowOverlap="0"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="margin"><wp:align>center</wp:align></wp:positionH>'
        '<wp:positionV relativeFrom="margin"><wp:align>bottom</wp:align></wp:positionV>'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:wrapTopAndBottom/><wp:docPr id="{shape_id}" name="{name}"/><wp:cNvGraphicFramePr/>'
        f'<a:graphic><a:graphicData uri="{SHAPE_URI}"><wps:wsp><wps:cNvSpPr txBox="1"/>'
        f'<wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln>'
        "</wps:spPr><wps:txbx><w:txbxContent/></wps:txbx>"
        '<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" '
        'anchor="b"><a:spAutoFit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic>'
        "</wp:anchor></w:drawing>"
    )
    box = drawing.find(f".//{qn('w:txbxContent')}")
    for element in content:
        box.append(element)
    return drawing
