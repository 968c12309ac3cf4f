"""The stacked second level: training and inference agree, it is fitted out of fold, it is loaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("sklearn", reason="pip install -e '.[train]'")

from benchmarks.sentiment_tuning import (  # noqa: E402
    NEU_BIAS,
    fit_stacker,
    stack_proba,
    stacked_oof,
)
from benchmarks.train_sentiment import (  # noqa: E402
    class_weights,
    limits_from,
    train_language,
    write_model,
)
from detectors.codec import dumps_str  # noqa: E402
from detectors.sentiment.features import BUCKETS  # noqa: E402
from detectors.sentiment.learned import LanguageModel, load_models  # noqa: E402
from detectors.sentiment.scorer import Scorer  # noqa: E402
from detectors.sentiment.stacking import (  # noqa: E402
    STACK_INPUTS,
    Stacker,
    stack_inputs,
    stack_matrix,
)


def _synthetic(n: int = 600, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, first-level probabilities that under-read negatives, rule compounds."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    logits = rng.normal(0.0, 1.0, (n, 3))
    logits[np.arange(n), y] += 1.0
    logits[:, 0] -= 0.8  # the first level is shy of saying neg
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    rule = np.where(y == 0, -0.5, np.where(y == 2, 0.4, 0.0)) + rng.normal(0.0, 0.3, n)
    rule[rng.random(n) < 0.3] = 0.0  # posts without any lexicon word
    return y, proba, np.clip(rule, -1.0, 1.0)


def test_inputs_match_the_training_matrix() -> None:
    _, proba, rule = _synthetic(50)
    matrix = stack_matrix(proba, rule)
    assert matrix.shape == (50, STACK_INPUTS)
    for row, p, c in zip(matrix, proba, rule, strict=True):
        assert np.allclose(row, stack_inputs(*p, float(c)))
    assert stack_inputs(0.2, 0.3, 0.5, None) == stack_inputs(0.2, 0.3, 0.5, 0.0)
    assert stack_inputs(0.5, 0.0, 0.5, -0.3)[1] == pytest.approx(np.log(1e-6))


def test_stacker_gives_the_training_probabilities() -> None:
    y, proba, rule = _synthetic()
    weights, bias = fit_stacker(y, proba, rule)
    stacker = Stacker(weights.astype(np.float32), bias.astype(np.float32))
    batch = stack_proba(weights, bias, proba, rule)
    for p, c, expected in zip(proba[:40], rule[:40], batch[:40], strict=True):
        assert np.allclose(stacker.proba(*p, float(c)), expected, atol=1e-5)


def test_stacker_learns_from_the_rules_and_fixes_the_neg_bias() -> None:
    """The synthetic first level under-reads neg and ignores the rules; the stacker does not."""
    y, proba, rule = _synthetic()
    fold_of = np.arange(len(y)) % 5
    stacked = stacked_oof(y, proba, rule, fold_of)
    assert stacked.shape == proba.shape
    assert np.allclose(stacked.sum(axis=1), 1.0)
    first = np.mean(proba.argmax(axis=1) == y)
    second = np.mean(stacked.argmax(axis=1) == y)
    assert second > first + 0.05
    weights, _ = fit_stacker(y, proba, rule)
    assert weights[4, 0] > weights[4, 2]  # the rules' negative part speaks for neg


def test_out_of_fold_rows_are_not_fitted_on_themselves() -> None:
    """Changing one fold's labels leaves that fold's stacked probabilities unchanged."""
    y, proba, rule = _synthetic()
    fold_of = np.arange(len(y)) % 5
    flipped = y.copy()
    flipped[fold_of == 0] = (flipped[fold_of == 0] + 1) % 3
    a = stacked_oof(y, proba, rule, fold_of)
    b = stacked_oof(flipped, proba, rule, fold_of)
    assert np.allclose(a[fold_of == 0], b[fold_of == 0])
    assert not np.allclose(a[fold_of == 1], b[fold_of == 1])


def test_two_class_language_never_says_neutral() -> None:
    y, proba, rule = _synthetic()
    keep = y != 1
    weights, bias = fit_stacker(y[keep], proba[keep], rule[keep])
    assert bias[1] == NEU_BIAS
    assert Stacker(weights, bias).proba(0.3, 0.3, 0.4, 0.0)[1] < 1e-9


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="stacker shapes"):
        Stacker(np.zeros((STACK_INPUTS - 1, 3)), np.zeros(3))


def test_language_model_applies_its_stacker_and_loads_it(tmp_path: Path) -> None:
    """A stacker that only looks at the rules' negative part turns a rule-negative post neg."""
    weights = np.zeros((BUCKETS, 3), dtype=np.float16)
    stack_w = np.zeros((STACK_INPUTS, 3), dtype=np.float32)
    stack_w[4, 0] = 10.0
    stack_b = np.zeros(3, dtype=np.float32)
    plain = LanguageModel(weights, np.zeros((2, 3)), np.zeros(3), 0.5)
    stacked = LanguageModel(weights, np.zeros((2, 3)), np.zeros(3), 0.5,
                            stacker=Stacker(stack_w, stack_b))
    assert plain.predict("late again", -0.6).label != "neg"
    pred = stacked.predict("late again", -0.6)
    assert pred.label == "neg" and pred.neg > 0.99
    assert stacked.predict("late again", 0.0).label != "neg"
    path = tmp_path / "m.npz"
    np.savez(path, **{"xx.weights": weights, "xx.lexicon": np.zeros((2, 3), np.float32),
                      "xx.bias": np.zeros(3, np.float32), "xx.neg_threshold": np.float32(0.5),
                      "xx.stack_weights": stack_w, "xx.stack_bias": stack_b,
                      "yy.weights": weights, "yy.lexicon": np.zeros((2, 3), np.float32),
                      "yy.bias": np.zeros(3, np.float32), "yy.neg_threshold": np.float32(0.5)})
    models = load_models(path)
    assert models["xx"].stacker is not None and models["yy"].stacker is None
    assert models["xx"].predict("late again", -0.6).label == "neg"


def test_negative_class_weight_and_safe_limits() -> None:
    y = np.array([0, 0, 1, 1, 1, 1, 2, 2])
    balanced = class_weights(y)
    assert balanced[0] == pytest.approx(8 / 6) and balanced[1] == pytest.approx(8 / 12)
    assert class_weights(y, 1.5)[0] == pytest.approx(1.5 * 8 / 6)
    assert class_weights(y, 1.5)[2] == balanced[2]
    assert class_weights(np.array([1, 2, 2]), 1.5) == class_weights(np.array([1, 2, 2]))
    assert limits_from(0.08) == (0.12, 0.11, 0.10, 0.09, 0.08, 0.07, 0.06, 0.05, 0.04)
    assert limits_from(0.08, start=0.08) == (0.08, 0.07, 0.06, 0.05, 0.04)


def test_train_language_ships_what_it_chose(tmp_path: Path) -> None:
    """End to end on a small generated set: the chosen variant's arrays load and score."""
    rng = np.random.default_rng(5)
    words = {"neg": ["awful", "terrible", "late", "broken", "worst", "angry"],
             "neu": ["train", "today", "station", "ticket", "noon", "platform"],
             "pos": ["great", "lovely", "thanks", "brilliant", "happy", "best"]}
    lines = []
    for i in range(150):
        label = ("neg", "neu", "pos")[i % 3]
        own = rng.choice(words[label], 2)
        other = rng.choice(words[("neg", "neu", "pos")[(i + 1) % 3]], 1 if i % 4 else 2)
        text = " ".join([*own, *other, "the", "service"])
        lines.append(dumps_str({"id": f"p{i:03d}", "lang": "en", "text": text, "label": label,
                                "source": "generated"}))
    (tmp_path / "en.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rules = Scorer(cache_size=0, learned=False)
    arrays = train_language("en", tmp_path, rules, (1.0,), 0.08, jobs=1,
                            char_grid=(1.0,), neg_weights=(1.0, 1.5))
    assert {"en.weights", "en.neg_threshold", "en.lex_threshold"} <= set(arrays)
    assert ("en.stack_weights" in arrays) == ("en.stack_bias" in arrays)
    out = tmp_path / "model.npz"
    assert write_model(arrays, ["en"], tmp_path, rules, out) == 0
    model = load_models(out)["en"]
    assert (model.stacker is not None) == ("en.stack_weights" in arrays)
    assert model.predict("awful terrible late the service", -0.8).label == "neg"
    assert model.predict("great lovely thanks the service", 0.8).label == "pos"


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0),
       st.one_of(st.none(), st.floats(-1.0, 1.0)))
def test_stacked_probabilities_are_a_distribution(neg: float, neu: float, pos: float,
                                                  compound: float | None) -> None:
    """Any first-level output (even zeros) gives probabilities in [0, 1] that sum to 1."""
    rng = np.random.default_rng(0)
    stacker = Stacker(rng.normal(0.0, 3.0, (STACK_INPUTS, 3)), rng.normal(0.0, 3.0, 3))
    out = stacker.proba(neg, neu, pos, compound)
    assert all(0.0 <= p <= 1.0 for p in out)
    assert sum(out) == pytest.approx(1.0)
