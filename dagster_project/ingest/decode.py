"""Encoding detection for text drops — from the bytes, never from the file name.

Order: UTF-8 (a BOM is stripped), UTF-16 with a BOM (Excel's "Unicode text" export), GB18030 strict
(a superset of GBK and GB2312), then charset-normalizer's best guess. Bytes that none of these decode are
`undecodable`; NUL bytes or a workbook's magic number in a text file are `binary_file`.
The result is UTF-8 bytes (what pyarrow and DuckDB read) with `\r\r\n` line ends folded to `\r\n`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL = bytes(range(0, 9)) + bytes(range(14, 27)) + bytes(range(28, 32))


@dataclass
class Decoded:
    data: bytes | None  # UTF-8 text bytes (no BOM), None when not decodable
    encoding: str | None
    code: str | None = None  # quarantine reason code when data is None
    reason_zh: str = ""
    reason_en: str = ""


def sniff_binary(raw: bytes) -> tuple[str, str] | None:
    """(reason_zh, reason_en) when `raw` is not text."""
    if raw.startswith(ZIP_MAGIC):
        return ("文件内容是 ZIP/xlsx 压缩包而不是文本（可能是改了扩展名的 Excel 文件）",
                "the content is a ZIP/xlsx archive, not text (an Excel workbook renamed to .csv?)")
    if raw.startswith(OLE_MAGIC):
        return ("文件内容是 OLE 二进制文档（可能是改了扩展名的 .xls 文件）",
                "the content is an OLE binary document (a .xls workbook renamed to .csv?)")
    if raw.startswith(UTF16_BOMS):
        return None
    if b"\x00" in raw:
        return ("文件含有 NUL 字节，是二进制内容而不是文本", "the file contains NUL bytes: binary content, not text")
    sample = raw[:65536]
    controls = sum(sample.count(bytes([c])) for c in _CONTROL)
    if sample and controls > max(8, len(sample) // 100):
        return (f"文件前64KB含有{controls}个控制字符，是二进制内容而不是文本",
                f"the first 64 KB hold {controls} control bytes: binary content, not text")
    return None


def _fold_line_ends(data: bytes) -> bytes:
    # \r\r\n (a CRLF file passed through a text-mode CR->CRLF conversion) is one line end, not two
    if b"\r\r\n" in data:
        data = data.replace(b"\r\r\n", b"\r\n")
    return data


def decode_text(raw: bytes) -> Decoded:
    if raw.startswith(UTF8_BOM):
        body = raw[len(UTF8_BOM):]
        try:
            body.decode("utf-8")
            return Decoded(_fold_line_ends(body), "utf-8-sig")
        except UnicodeDecodeError:
            raw = body  # a BOM followed by something else: keep looking
    elif raw.startswith(UTF16_BOMS):
        try:
            text = raw.decode("utf-16")
            if "\x00" in text:
                raise UnicodeDecodeError("utf-16", raw, 0, 1, "NUL in text")
            return Decoded(_fold_line_ends(text.encode("utf-8")), "utf-16")
        except UnicodeDecodeError:
            return Decoded(None, None, "undecodable", "以 UTF-16 BOM 开头但无法按 UTF-16 解码",
                           "starts with a UTF-16 byte-order mark but does not decode as UTF-16")
    try:
        raw.decode("utf-8")
        return Decoded(_fold_line_ends(raw), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
        return Decoded(_fold_line_ends(text.encode("utf-8")), "gb18030")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
    except Exception:  # noqa: BLE001 - a detector failure is just "no guess"
        best = None
    guess = None
    if best is not None and best.encoding:
        guess = best.encoding
        try:
            text = raw.decode(best.encoding)
            if _plausible(text):
                return Decoded(_fold_line_ends(text.encode("utf-8")), best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    if guess:
        return Decoded(None, None, "undecodable",
                       f"无法识别文件编码：既不是 UTF-8，也不是 GB18030/GBK；字符集检测猜测为 {guess}，但解码结果不像中文或英文文本",
                       f"cannot decode the file: not UTF-8, not GB18030/GBK; charset detection guessed {guess} "
                       "but the decoded text does not look like Chinese or ASCII text")
    return Decoded(None, None, "undecodable",
                   "无法识别文件编码：既不是 UTF-8，也不是 GB18030/GBK，字符集检测也无结果",
                   "cannot decode the file: not UTF-8, not GB18030/GBK, and charset detection found no encoding")


# what a departmental drop is made of: ASCII, CJK (with extensions), CJK and full-width punctuation
_UNEXPECTED = re.compile(
    "[^\x00-\x7f\u00b7\u2000-\u206f\u2100-\u214f\u2460-\u24ff\u3000-\u303f\u3100-\u312f"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]"
)


def _plausible(text: str, sample: int = 200_000) -> bool:
    """A charset-normalizer guess is kept only when it yields text a Chinese department would write: a
    single-byte code page turning Chinese bytes into accented Latin letters is mojibake, not a decoding."""
    s = text[:sample]
    if not s:
        return True
    return len(_UNEXPECTED.findall(s)) <= 0.02 * len(s)
