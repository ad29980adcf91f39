"""Segmenting Chinese text for the matcher: jieba's search mode (a long word and its dictionary
parts: 图像识别 → 图像, 识别, 图像识别), without HMM new-word guessing, so that the same phrase
segments alike in a patent and in a need. Function words, single characters and punctuation
are dropped."""

import logging
import re
import threading
import unicodedata
from typing import Any

_lock = threading.Lock()
# jieba's tokenizer, its dictionary loaded on first use: importing jieba at module level would
# load it into every process that sets Django up, management commands that never match included.
_tokenizer: Any = None

STOPWORDS = frozenset({
    "一种", "及其", "方法", "装置", "系统", "以及", "用于", "基于", "包括", "所述", "进行", "通过", "实现",
    "本发明", "发明", "公开", "具有", "提供", "采用", "能够", "可以", "一个", "其中", "技术", "相关", "我们",
    "需要", "需求", "企业", "希望", "寻求", "问题", "提高", "解决", "应用", "场景",
})
_WORD = re.compile(r"^[0-9a-z\u4e00-\u9fff][0-9a-z\u4e00-\u9fff.+-]*$")


def _jieba() -> Any:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def segment(text: str) -> list[str]:
    """The words of `text`, lower case, repeats kept (they count in the term frequency)."""
    if not text:
        return []
    words = []
    for word in _jieba().cut_for_search(unicodedata.normalize("NFKC", text).lower(), HMM=False):
        word = word.strip()
        if len(word) > 1 and word not in STOPWORDS and _WORD.match(word) and len(word) <= 64:
            words.append(word)
    return words


def add_words(words: list[str]) -> None:
    """Teach the segmenter domain words (the benchmark's made-up vocabulary, a user dictionary)."""
    tokenizer = _jieba()
    for word in words:
        tokenizer.add_word(word)
