"""Reading a small YAML settings file of ours (the 通报's issuer, the entity report's config): one mapping with
known keys, every problem a one-line message naming the file, raised as the caller's error."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable

import yaml


def read_mapping(path: Path, where: str, keys: Iterable[str], error: Callable[[str], Exception]) -> dict[str, Any]:
    """The file's mapping; ``where`` names the file in messages (e.g. ``通报发文配置 <path>``); a key not in
    ``keys`` is refused. Which keys must be present, and what their values may be, is the caller's."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"找不到{where}") from None
    except yaml.YAMLError as exc:
        raise error(f"{where} 不是有效的 YAML：{exc}") from None
    if not isinstance(data, dict):
        raise error(f"{where} 应为“键: 值”的映射")
    unknown = sorted(set(map(str, data)) - set(keys))
    if unknown:
        raise error(f"{where} 中有不认识的键：{'、'.join(unknown)}")
    return data
