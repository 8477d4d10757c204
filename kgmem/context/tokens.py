"""Token counts without a tokenizer: a simple estimate that leans large.

Common BPE vocabularies spend about one token per short English word, more for long or
rare words, and about one per punctuation mark or digit group, while long runs of text
average about four characters per token. The estimate takes the larger of
``characters / 4`` and ``words * 4/3 + symbols``, so a block sized with it rarely
overruns a real tokenizer's count for the same budget.
"""

from __future__ import annotations

import math
import re

_WORD = re.compile(r"\w+")
_SYMBOL = re.compile(r"[^\w\s]")


def estimate_tokens(text: str) -> int:
    """An estimate, leaning large, of the tokens ``text`` costs a language model."""
    if not text:
        return 0
    words = len(_WORD.findall(text))
    symbols = len(_SYMBOL.findall(text))
    return max(math.ceil(len(text) / 4), math.ceil(words * 4 / 3 + symbols))
