"""Half-life regression whose growth saturates: bench/memory/halflife.py
with G itself shrinking as the half-life grows, G' = 1 + (G - 1) *
(h0 / h) ** 0.25. That is the assumption FSRS is built on (stability grows
less once it is high), here as a check of how much the verdict depends on
the model.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_halflife_saturating",
                                               Path(__file__).with_name("halflife.py"))
assert _spec is not None and _spec.loader is not None
_base = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _base  # dataclasses look their module up there
_spec.loader.exec_module(_base)
_base.SATURATING = True

NAME = "half-life regression with a spacing effect, growth saturating"
Card = _base.Card
new_card = _base.new_card
recall = _base.recall
review = _base.review
response_time = _base.response_time
