"""Identifier checks, the one Python home: 统一社会信用代码 (GB 32100), 组织机构代码 (GB 11714), 居民身份证号码
(GB 11643: format, birth date, check character) and the 15-digit 工商注册号 (ISO 7064 MOD 11,10).

The SQL twin is ``dbt_credit/macros/identifiers.sql`` (what the warehouse judges); both judge the same vectors:
tests/identifier_vectors.csv (tests/test_identifiers.py runs this module and the compiled macros on it) and
python-stdnum's (../shared/realdata/stdnum_cn_vectors.txt: tests/test_identifiers.py, tests/test_rules.py).
The checksums are python-stdnum's where it has the algorithm; the formats are GB 32100's as the macro states
them. python-stdnum's own ``uscc.is_valid`` is not used: it
rejects letters in the first two positions (登记管理部门 codes such as ``Y1``), which GB 32100 allows.

Finding ID numbers in free text (any spelling) and scrubbing them is ``pii.py``; this module checks a code
that is already one value. Inputs are expected normalised (NFKC, upper case, no spaces), as the SQL's
``clean_code()`` leaves them; ``clean_code`` here does the same for Python callers.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from stdnum.cn import ric as _stdnum_ric
from stdnum.cn import uscc as _stdnum_uscc
from stdnum.iso7064 import mod_11_10 as _mod_11_10

# GB 32100: positions 1-2 登记管理部门码 and 机构类别码 (digits or letters), 3-8 the region code (digits),
# 9-17 the 主体标识码 (organisation code), 18 the check character; no I, O, S, V, Z. Same as macros/identifiers.sql.
USCC_PATTERN = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
# GB 11714: 8 characters (digits or letters) and a check character (0-9 or X)
ORG_CODE_PATTERN = re.compile(r"[0-9A-Z]{8}[0-9X]")
# GB 11643: a region code that does not start with 0, the birth date YYYYMMDD, a serial, the check character
RIC_PATTERN = re.compile(r"[1-9][0-9]{16}[0-9X]")
RIC_EARLIEST_BIRTH = date(1900, 1, 1)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_CLEAN = re.compile(r"[\s\-_]+")  # as macros/normalize.sql clean_code()


def clean_code(text: str) -> str:
    """A code as typed -> as checked: full-width to ASCII (NFKC), spaces, hyphens and underscores out, upper case."""
    return _CLEAN.sub("", unicodedata.normalize("NFKC", text)).upper()


def uscc_check_char(first17: str) -> str:
    """GB 32100's check character of the first 17 characters (python-stdnum's algorithm)."""
    return _stdnum_uscc.calc_check_digit(first17)


def uscc_is_valid(code: str) -> bool:
    """A normalised 统一社会信用代码 with GB 32100's format and check character."""
    return (isinstance(code, str) and USCC_PATTERN.fullmatch(code) is not None
            and uscc_check_char(code[:17]) == code[17])


def org_code_check_char(first8: str) -> str:
    """GB 11714's check character (letters count A=10 … Z=35)."""
    c = 11 - sum(int(ch, 36) * w for ch, w in zip(first8, ORG_WEIGHTS)) % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def org_code_is_valid(code: str) -> bool:
    """A 组织机构代码, with or without its hyphen (``12345678-9``)."""
    if not isinstance(code, str):
        return False
    code = code.replace("-", "").upper()
    return ORG_CODE_PATTERN.fullmatch(code) is not None and org_code_check_char(code[:8]) == code[8]


def ric_check_char(first17: str) -> str:
    """GB 11643's (ISO 7064 MOD 11-2) check character of an 18-character 居民身份证号码 (python-stdnum's)."""
    return _stdnum_ric.calc_check_digit(first17 + "?")  # stdnum's takes the whole number and ignores its last


def ric_is_valid(code: str, not_after: date) -> bool:
    """A normalised 18-character 居民身份证号码 (GB 11643): its format, a real birth date from 1900 to
    ``not_after`` (the SQL passes the drop date, so a verdict never changes with the build date) and the check
    character. What counts as an ID number in free text (any spelling, the 15-digit form) is pii.py's."""
    if not isinstance(code, str) or RIC_PATTERN.fullmatch(code) is None:
        return False
    try:
        birth = date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return False
    return RIC_EARLIEST_BIRTH <= birth <= not_after and ric_check_char(code[:17]) == code[17]


def biz_reg_check_digit(first14: str) -> str:
    """ISO 7064 MOD 11,10 check digit of a 15-digit 工商注册号 (python-stdnum's)."""
    return _mod_11_10.calc_check_digit(first14)


def biz_reg_is_valid(code: str) -> bool:
    return isinstance(code, str) and len(code) == 15 and code.isdigit() and _mod_11_10.is_valid(code)
