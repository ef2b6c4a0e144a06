"""A word-level Hugging Face tokenizer for modgraph: every symbol is one token.

The vocabulary is fixed for all profiles (numbers 0..96, names v00..v99, and the chain
format's start `x` and keys o1..o32), so models, checkpoints and caches share one tokenizer;
it saves and loads with `AutoTokenizer`. It has under 256 tokens (corpora are stored as uint8).
"""

from __future__ import annotations

from functools import lru_cache

from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import WhitespaceSplit
from transformers import PreTrainedTokenizerFast

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
SOL, STEP, ANS, ATT = "<sol>", "<s>", "<ans>", "<att>"
SPECIALS = (PAD, BOS, EOS, SOL, STEP, ANS, ATT)
SYMBOLS = ("=", ";", "?", "+", "-", "*", "/")
MAX_MODULUS = 97
N_NAMES = 100
CHAIN_START = "x"
CHAIN_KEYS = tuple(f"o{k}" for k in range(1, 33))


def vocabulary() -> list[str]:
    numbers = [str(i) for i in range(MAX_MODULUS)]
    names = [f"v{i:02d}" for i in range(N_NAMES)]
    return [*SPECIALS, *SYMBOLS, *names, *numbers, CHAIN_START, *CHAIN_KEYS]


@lru_cache(maxsize=1)
def build_tokenizer() -> PreTrainedTokenizerFast:
    vocab = {tok: i for i, tok in enumerate(vocabulary())}
    core = Tokenizer(WordLevel(vocab, unk_token=PAD))
    core.pre_tokenizer = WhitespaceSplit()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        unk_token=PAD,
        additional_special_tokens=[SOL, STEP, ANS, ATT],
        model_max_length=4096,
    )
    tok.padding_side = "left"  # generation pads on the left; training pads explicitly
    return tok


def encode(texts: list[str]) -> list[list[int]]:
    """Token ids of whitespace-separated texts (the texts already hold their special tokens)."""
    return build_tokenizer()(texts, add_special_tokens=False)["input_ids"]


def decode(ids) -> str:
    return build_tokenizer().decode(list(ids), skip_special_tokens=False)
