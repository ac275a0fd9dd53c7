"""Place names as people write them: text only, importable before Django is set up (the data generator)."""

# What a Chinese place name drops in everyday use: 石家庄市 -> 石家庄, 井陉矿区 -> 井陉, 正定县 -> 正定.
PLACE_SUFFIXES = ("自治县", "矿区", "新区", "区", "县", "市", "省")


def place_short_name(name: str) -> str:
    """``name`` without its administrative suffix, when at least two characters remain (磁县 stays 磁县)."""
    for suffix in PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name
