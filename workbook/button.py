"""The Refresh button of the macro-enabled workbook: an Excel *form control* button in VML.

openpyxl cannot create shapes, so the button is added to the saved ``.xlsm`` package directly,
the way XlsxWriter's ``insert_button`` writes it (a legacy VML drawing with
``<x:ClientData ObjectType="Button">`` and ``<x:FmlaMacro>[0]!SampleCall</x:FmlaMacro>``,
linked from the sheet by ``<legacyDrawing>``). ``SampleCall`` is the macro of xlwings' own
quickstart VBA: ``RunPython "import <workbook name>; <workbook name>.main()"``, i.e.
``import rotation_desk; rotation_desk.main()`` for ``rotation_desk.xlsm``.

openpyxl (``keep_vba=True``) carries a ``vmlDrawingN.vml`` part and the sheet's link to it
through a load/save round trip, and merges cell notes into the same VML; :func:`ensure_button`
is idempotent and is run after every save anyway, so a button a round trip dropped comes back.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

MACRO = "SampleCall"
"""VBA macro of xlwings' quickstart template that imports the workbook-named module."""

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
VML_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
VML_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"


@dataclass(frozen=True)
class ButtonSpec:
    """Where the button sits and what it runs.

    Attributes
    ----------
    sheet : str
        Sheet name (``"Sectors"``).
    caption : str
        Text on the button.
    left_col, top_row, right_col, bottom_row : int
        0-based cell anchor (VML ``x:Anchor`` columns/rows).
    macro : str
        VBA macro name (default ``SampleCall``).
    """

    sheet: str
    caption: str
    left_col: int
    top_row: int
    right_col: int
    bottom_row: int
    macro: str = MACRO


_SHAPETYPES = (
    '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" '
    'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
    '<v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" o:connecttype="rect"/>'
    '<o:lock v:ext="edit" shapetype="t"/></v:shapetype>'
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
    'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
    '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def button_shape_xml(spec: ButtonSpec, shape_number: int = 1025) -> str:
    """The ``<v:shape>`` of one form-control button (XlsxWriter's layout)."""
    anchor = f"{spec.left_col}, 0, {spec.top_row}, 0, {spec.right_col}, 0, {spec.bottom_row}, 0"
    return (
        f'<v:shape id="_x0000_s{shape_number}" type="#_x0000_t201" '
        'style="position:absolute;margin-left:0;margin-top:0;width:150pt;height:30pt;'
        'z-index:1;mso-wrap-style:tight" o:button="t" fillcolor="buttonFace [67]" '
        'strokecolor="windowText [64]" o:insetmode="auto">'
        '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/>'
        '<o:lock v:ext="edit" rotation="t"/>'
        '<v:textbox style="mso-direction-alt:auto" o:singleclick="f">'
        '<div style="text-align:center"><font face="Calibri" size="220" color="#000000">'
        f"{_escape(spec.caption)}</font></div></v:textbox>"
        '<x:ClientData ObjectType="Button">'
        f"<x:Anchor>{anchor}</x:Anchor>"
        "<x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>"
        f"<x:FmlaMacro>[0]!{_escape(spec.macro)}</x:FmlaMacro>"
        "<x:TextHAlign>Center</x:TextHAlign><x:TextVAlign>Center</x:TextVAlign>"
        "</x:ClientData></v:shape>"
    )


def button_vml(spec: ButtonSpec) -> str:
    """A complete VML drawing holding the button (and the note shapetype openpyxl reuses)."""
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>'
        f"{_SHAPETYPES}{button_shape_xml(spec)}</xml>"
    )


def _sheet_part(files: dict[str, bytes], sheet: str) -> str:
    """Zip path of the worksheet called ``sheet`` (via workbook.xml and its rels)."""
    book = ET.fromstring(files["xl/workbook.xml"])
    rels = ET.fromstring(files["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    for node in book.iter(f"{{{NS_MAIN}}}sheet"):
        if node.get("name") == sheet:
            target = targets[node.get(f"{{{NS_REL}}}id")]
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
    raise KeyError(f"no sheet named {sheet!r}")


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _legacy_target(files: dict[str, bytes], part: str) -> str | None:
    """Zip path of the VML drawing ``part`` links with ``<legacyDrawing>``, if any."""
    match = re.search(rb"<legacyDrawing\b[^>]*\bid=\"([^\"]+)\"", files[part])
    rels_path = _rels_path(part)
    if match is None or rels_path not in files:
        return None
    rid = match.group(1).decode()
    for rel in ET.fromstring(files[rels_path]):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
    return None


def sheet_button_macros(path: Path, sheet: str) -> list[str]:
    """Macros of every form-control button on ``sheet`` of the package at ``path``."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    vml = _legacy_target(files, _sheet_part(files, sheet))
    return button_macros(files[vml]) if vml is not None and vml in files else []


def has_button(path: Path, spec: ButtonSpec) -> bool:
    """True if the sheet's VML drawing holds a button running ``spec.macro``."""
    return spec.macro in sheet_button_macros(path, spec.sheet)


NS_VML_EXCEL = "urn:schemas-microsoft-com:office:excel"
VML_PREFIXES = {
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "x": NS_VML_EXCEL,
}
for _prefix, _uri in VML_PREFIXES.items():
    # openpyxl re-serialises VML with the standard library's ElementTree when it merges cell
    # notes into a drawing; registering the usual prefixes keeps it "v:/o:/x:" as Excel writes
    ET.register_namespace(_prefix, _uri)


def button_macros(vml: bytes) -> list[str]:
    """Macros of the form-control buttons in a VML drawing (namespace-aware)."""
    try:
        root = ET.fromstring(vml)
    except ET.ParseError:
        return []
    macros = []
    for data in root.iter(f"{{{NS_VML_EXCEL}}}ClientData"):
        if data.get("ObjectType") != "Button":
            continue
        macro = data.find(f"{{{NS_VML_EXCEL}}}FmlaMacro")
        if macro is not None and macro.text:
            macros.append(macro.text.split("!")[-1])
    return macros


def _has_macro(vml: bytes, macro: str) -> bool:
    return macro in button_macros(vml)


_SHEET_TAIL = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
               "webPublishItems", "tableParts", "extLst")


def _insert_legacy_drawing(sheet_xml: bytes, rid: str) -> bytes:
    element = f'<legacyDrawing r:id="{rid}"/>'.encode()
    text = sheet_xml
    if b'xmlns:r="' not in text[:2000]:
        text = text.replace(b"<worksheet ", f'<worksheet xmlns:r="{NS_REL}" '.encode(), 1)
    for tag in _SHEET_TAIL:
        idx = text.find(f"<{tag}".encode())
        if idx != -1:
            return text[:idx] + element + text[idx:]
    idx = text.rfind(b"</worksheet>")
    return text[:idx] + element + text[idx:]


def _add_relationship(rels_xml: bytes | None, target: str) -> tuple[bytes, str]:
    if rels_xml is None:
        rels_xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' \
                   f'<Relationships xmlns="{NS_PKG_REL}"></Relationships>'.encode()
    used = set(re.findall(rb'Id="([^"]+)"', rels_xml))
    n = 1
    while f"rIdButton{n}".encode() in used:
        n += 1
    rid = f"rIdButton{n}"
    rel = f'<Relationship Id="{rid}" Type="{VML_REL_TYPE}" Target="{target}"/>'.encode()
    idx = rels_xml.rfind(b"</Relationships>")
    return rels_xml[:idx] + rel + rels_xml[idx:], rid


def _ensure_vml_default(content_types: bytes) -> bytes:
    if b'Extension="vml"' in content_types:
        return content_types
    default = f'<Default Extension="vml" ContentType="{VML_CONTENT_TYPE}"/>'.encode()
    idx = content_types.find(b"<Default ")
    if idx == -1:
        idx = content_types.find(b">", content_types.find(b"<Types")) + 1
    return content_types[:idx] + default + content_types[idx:]


def _free_vml_name(files: dict[str, bytes]) -> str:
    # openpyxl keeps VML parts matching r"xl/drawings/.*vmlDrawing\d\.vml" (one digit)
    for n in range(1, 10):
        name = f"xl/drawings/buttonvmlDrawing{n}.vml"
        if name not in files:
            return name
    raise RuntimeError("no free VML drawing name")


def ensure_button(path: Path, spec: ButtonSpec) -> bool:
    """Add the button to ``spec.sheet`` of the package at ``path`` unless it is there.

    Returns True if the file was changed. The rewrite keeps every other zip member
    byte-identical (``xl/vbaProject.bin`` included) and is done in place: call it on the
    temporary file of an atomic save, never on the user's file directly.
    """
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        files = {info.filename: archive.read(info.filename) for info in infos}
    part = _sheet_part(files, spec.sheet)
    vml_path = _legacy_target(files, part)
    if vml_path is not None and vml_path in files:
        if _has_macro(files[vml_path], spec.macro):
            return False
        vml = files[vml_path]
        idx = vml.rfind(b"</xml>")
        if b"_x0000_t201" not in vml:
            shapetype = _SHAPETYPES.split("<v:shapetype id=\"_x0000_t202\"")[0]
            vml = vml[:idx] + shapetype.encode() + vml[idx:]
            idx = vml.rfind(b"</xml>")
        files[vml_path] = vml[:idx] + button_shape_xml(spec, 1024 + 999).encode() + vml[idx:]
    else:
        vml_path = _free_vml_name(files)
        files[vml_path] = button_vml(spec).encode()
        rels_path = _rels_path(part)
        rel_target = "/" + vml_path
        files[rels_path], rid = _add_relationship(files.get(rels_path), rel_target)
        files[part] = _insert_legacy_drawing(files[part], rid)
        files["[Content_Types].xml"] = _ensure_vml_default(files["[Content_Types].xml"])
    names = [info.filename for info in infos]
    names += [n for n in files if n not in names]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name in names:
            out.writestr(name, files[name])
    return True
