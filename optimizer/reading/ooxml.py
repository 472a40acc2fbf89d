"""The parts of an Office Open XML package (.xlsx, .xlsm, .xlsb) that python-calamine does not
expose: which part holds which sheet, the parts related to a part, and the binary records of
.xlsb parts (MS-XLSB 2.1.4)."""

from __future__ import annotations

import posixpath
import struct
import zipfile
from collections.abc import Iterator

from defusedxml.ElementTree import fromstring

BRT_BUNDLE_SH = 0x009C  # a sheet of an .xlsb workbook: state, tab id, relationship id, name
BRT_END_BUNDLE_SHS = 0x0090


def relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """`part`'s relationships inside the package: {id: (type, target part)}, the type being
    the last word of its URI (`worksheet`, `table`, `officeDocument`)."""
    folder, name = posixpath.split(part)
    try:
        root = fromstring(archive.read(posixpath.join(folder, "_rels", name + ".rels")))
    except KeyError:
        return {}
    found = {}
    for relation in root:
        target = relation.get("Target", "")
        if relation.get("TargetMode") == "External" or not target:
            continue
        if target.startswith("/"):
            target = target.lstrip("/")
        else:
            target = posixpath.normpath(posixpath.join(folder, target))
        found[relation.get("Id", "")] = (relation.get("Type", "").rsplit("/", 1)[-1], target)
    return found


def workbook_part(archive: zipfile.ZipFile, default: str) -> str:
    """The package's workbook part (`xl/workbook.xml` or `xl/workbook.bin` by convention)."""
    kinds = relationships(archive, "").values()
    return next((target for kind, target in kinds if kind == "officeDocument"), default)


def sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part) of every sheet of an .xlsx/.xlsm or .xlsb workbook, in tab order."""
    if "xl/workbook.bin" in archive.NameToInfo:
        return _xlsb_sheet_parts(archive)
    book = workbook_part(archive, "xl/workbook.xml")
    targets = relationships(archive, book)
    found = []
    for element in fromstring(archive.read(book)).iter():
        if not element.tag.endswith("}sheet"):
            continue
        # r:id, in the transitional or the strict relationships namespace
        ids = [value for key, value in element.attrib.items() if key.endswith("relationships}id")]
        if ids and ids[0] in targets:
            found.append((element.get("name", ""), targets[ids[0]][1]))
    return found


def _xlsb_sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    book = workbook_part(archive, "xl/workbook.bin")
    targets = relationships(archive, book)
    data = archive.read(book)
    found = []
    for kind, start, size in records(data):
        if kind == BRT_BUNDLE_SH:
            body = data[start : start + size]
            relation, after = wide_string(body, 8)
            name, _ = wide_string(body, after)
            if relation in targets:
                found.append((name, targets[relation][1]))
        elif kind == BRT_END_BUNDLE_SHS:
            break
    return found


def wide_string(body: bytes, offset: int) -> tuple[str, int]:
    """The XLWideString (a count of UTF-16 characters, then them) at `offset`, and the offset
    after it; a null string (count 0xFFFFFFFF) is ""."""
    (count,) = struct.unpack_from("<I", body, offset)
    if count == 0xFFFFFFFF:
        return "", offset + 4
    end = offset + 4 + 2 * count
    if end > len(body):
        raise ValueError("a string runs past the end of its record")
    return body[offset + 4 : end].decode("utf-16-le"), end


def records(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(record type, offset of its body, body size) of each record of an .xlsb part. Type and
    size are variable-length integers of 7 bits a byte (at most 2 and 4 bytes)."""
    position, end = 0, len(data)
    while position < end:
        kind = data[position]
        position += 1
        if kind & 0x80:
            kind = (kind & 0x7F) | (data[position] & 0x7F) << 7
            position += 1
        size = data[position]
        position += 1
        if size & 0x80:
            size &= 0x7F
            for shift in (7, 14, 21):
                byte = data[position]
                position += 1
                size |= (byte & 0x7F) << shift
                if not byte & 0x80:
                    break
        if position + size > end:
            raise ValueError("a record runs past the end of its part")
        yield kind, position, size
        position += size
