"""Identifiers for generated data, vectorised (numpy): GB 32100 USCCs with their GB 11714 organisation codes,
GB 11643 ID numbers and 15-digit business registration numbers.

The scalar checks are not here: they live in ``dagster_project/identifiers.py`` (the one home, tested against
the same vectors as the SQL macros) and are re-exported below for the generator and its tests."""
from __future__ import annotations

import numpy as np

from ..identifiers import (  # noqa: F401  (re-exported: sample's public API)
    biz_reg_check_digit, biz_reg_is_valid, org_code_check_char, org_code_is_valid, ric_check_char, uscc_check_char,
    uscc_is_valid,
)

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARS)}
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
RIC_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
RIC_CHECK = "10X98765432"


def _org_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


# ---------------------------------------------------------------- vectorised

_USCC_ARR = np.array(list(USCC_CHARS))
_ORG_VAL = np.array([_org_value(c) for c in USCC_CHARS], dtype=np.int64)   # org value of each USCC char
_DIGITS = np.array(list("0123456789"))


def _rows_to_str(chars: np.ndarray) -> np.ndarray:
    """(n, k) array of 1-char strings -> object array of k-char strings."""
    n, k = chars.shape
    u = np.ascontiguousarray(chars.astype("<U1")).view(f"<U{k}").reshape(n)
    return u.astype(object)


def make_org_bodies(rng: np.random.Generator, n: int, letter_share: float = 0.35) -> np.ndarray:
    """Unique 8-character 组织机构代码 bodies as (n, 8) arrays of USCC-alphabet values.

    Most are all digits; ``letter_share`` look like the newer ``MA...`` codes."""
    out = np.empty((0, 8), dtype=np.int64)
    seen: set[int] = set()
    while len(out) < n:
        m = int((n - len(out)) * 1.1) + 16
        body = rng.integers(0, 10, size=(m, 8))
        letters = rng.random(m) < letter_share
        body[letters, 0] = USCC_VALUE["M"]
        body[letters, 1] = USCC_VALUE["A"]
        body[letters, 2:] = rng.integers(0, 31, size=(int(letters.sum()), 6))
        packed = body @ (31 ** np.arange(8, dtype=np.int64))
        _, first = np.unique(packed, return_index=True)
        first = np.sort(first)
        keep = [i for i in first.tolist() if int(packed[i]) not in seen]
        seen.update(int(packed[i]) for i in keep)
        out = np.vstack([out, body[keep]])
    return out[:n]


def org_check_values(bodies: np.ndarray) -> np.ndarray:
    """GB 11714 check character of each body, as USCC-alphabet values (X is in the alphabet)."""
    c = 11 - (_ORG_VAL[bodies] @ ORG_WEIGHTS) % 11
    chars = np.where(c == 10, "X", np.where(c == 11, "0", (c % 10).astype(str)))
    return np.array([USCC_VALUE[x] for x in chars], dtype=np.int64)


def make_usccs(prefix8: np.ndarray, bodies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """prefix8: object array of 8-char strings (登记管理部门 + 机构类别 + 行政区划); bodies: (n, 8)
    org-code bodies. Returns (usccs, org_codes) as object arrays; both valid."""
    n = len(prefix8)
    pre = np.array([[USCC_VALUE[c] for c in p] for p in prefix8], dtype=np.int64).reshape(n, 8)
    org = np.column_stack([bodies, org_check_values(bodies)])
    first17 = np.column_stack([pre, org])
    check = (31 - (first17 @ USCC_WEIGHTS) % 31) % 31
    full = np.column_stack([first17, check])
    return _rows_to_str(_USCC_ARR[full]), _rows_to_str(_USCC_ARR[org])


def make_ric(rng: np.random.Generator, area: np.ndarray, birth: np.ndarray) -> np.ndarray:
    """area: object array of 6-digit strings; birth: datetime64[D] array. Valid 18-digit IDs."""
    n = len(area)
    ymd = np.array([str(d).replace("-", "") for d in birth.astype("datetime64[D]")], dtype=object)
    seq = rng.integers(0, 1000, size=n)
    first = [a + b + f"{s:03d}" for a, b, s in zip(area, ymd, seq)]
    digits = np.frombuffer("".join(first).encode("ascii"), dtype=np.uint8).reshape(n, 17) - 48
    check = (digits.astype(np.int64) @ RIC_WEIGHTS) % 11
    chk = np.array(list(RIC_CHECK))[check]
    return np.array([f + c for f, c in zip(first, chk)], dtype=object)


def make_biz_reg(rng: np.random.Generator, area: np.ndarray) -> np.ndarray:
    """Valid 15-digit 工商注册号: 6-digit area + 8 random digits + MOD 11,10 check."""
    n = len(area)
    body = rng.integers(0, 10, size=(n, 8))
    area_d = np.frombuffer("".join(area).encode("ascii"), dtype=np.uint8).reshape(n, 6).astype(np.int64) - 48
    digits = np.column_stack([area_d, body])
    p = np.full(n, 10, dtype=np.int64)
    for k in range(14):
        s = (p + digits[:, k]) % 10
        s[s == 0] = 10
        p = (2 * s) % 11
    check = (1 - p) % 10
    return _rows_to_str(_DIGITS[np.column_stack([digits, check])])
