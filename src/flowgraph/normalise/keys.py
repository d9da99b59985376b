"""The key a name is looked up by: lower case, punctuation and articles aside.

Apart from the gazetteer so that resolving a typed name (query.names) does not load it.
"""

from __future__ import annotations

import re

ARTICLES = re.compile(
    r"^(?:the|other|any|all|some|our|your|their|relevant|appropriate|various|certain)\s+"
)


def normalise_key(text: str) -> str:
    text = text.lower().replace("’", "'").replace("'", "").replace("&", " and ")
    text = re.sub(r"[-–/]", " ", text)
    text = re.sub(r"[^\w() ]+", " ", text)
    text = re.sub(r"\betc\b\.?$", "", text.strip())
    return re.sub(r"\s+", " ", text).strip()


def number_variants(key: str) -> list[str]:
    """The key with its last word made plural or singular."""
    if key.endswith("ies"):
        return [key[:-3] + "y"]
    if key.endswith("y"):
        return [key[:-1] + "ies"]
    if key.endswith("s") and not key.endswith("ss"):
        return [key[:-1]]
    return [key + "s"]
