"""The training script's pooled model: folding it into per-language tables, weights, thresholds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="pip install -e '.[train]'")

from scipy import sparse  # noqa: E402

from benchmarks.sentiment_pooled import (  # noqa: E402
    BLOCK,
    fit_weighted,
    fold_language,
    pooled_design,
    sample_weights,
    without_neutral,
)
from benchmarks.sentiment_tuning import (  # noqa: E402
    decide,
    fold_rates,
    neg_scores,
    nested_check,
    safe_limit,
    tune_threshold,
    tune_thresholds,
)
from benchmarks.train_sentiment import design, nb_scale, rule_compounds, scaled  # noqa: E402
from detectors.sentiment.features import BUCKETS  # noqa: E402
from detectors.sentiment.learned import CLASSES, LanguageModel  # noqa: E402
from detectors.sentiment.scorer import Scorer  # noqa: E402

POSTS = {
    "en": [("awful delay again, never again", "neg"), ("terrible service, so angry", "neg"),
           ("the meeting is at noon", "neu"), ("train leaves at five", "neu"),
           ("love it, great staff", "pos"), ("brilliant, thank you so much", "pos")],
    "de": [("schrecklich, wieder Verspätung", "neg"), ("Streik, alles fällt aus", "neg"),
           ("der Zug fährt um fünf", "neu"), ("Treffen ist am Mittag", "neu"),
           ("super, vielen Dank", "pos"), ("toller Service, danke", "pos")],
    "fi": [("huono palvelu, taas myöhässä", "neg"), ("kamala päivä", "neg"),
           ("kiitos, ihana palvelu", "pos"), ("loistava, kiitos paljon", "pos")],
}


@pytest.fixture(scope="module")
def rules() -> Scorer:
    return Scorer(cache_size=0, learned=False)


def _pooled(rules: Scorer, shared: float) -> tuple[list[str], dict[str, list[dict[str, str]]],
                                                  Any, np.ndarray, Any]:
    """Fit a pooled model on POSTS; (langs, rows, design, language of each row, model)."""
    langs = list(POSTS)
    rows = {lang: [{"text": t, "label": lab} for t, lab in POSTS[lang]] for lang in langs}
    parts = [design(rows[lang], rule_compounds(rows[lang], lang, rules), indicator=True)
             for lang in langs]
    y = np.array([CLASSES.index(r["label"]) for lang in langs for r in rows[lang]])
    groups = np.array([k for k, lang in enumerate(langs) for _ in rows[lang]])
    x = pooled_design(parts, shared)
    model = fit_weighted(x, y, sample_weights(groups, y, 0.0), 10.0)
    return langs, rows, x, groups, model


class TestPooledModel:
    @pytest.mark.parametrize("shared", [1.0, 0.5])
    def test_folded_tables_give_the_pooled_models_logits(self, rules: Scorer, shared: float
                                                         ) -> None:
        """A language's folded (weights, lexicon, bias) score a post exactly as the pooled
        model does on that post's row, through the shipped inference code."""
        langs, rows, x, groups, model = _pooled(rules, shared)
        assert x.shape[1] == BLOCK * (1 + len(langs))
        pooled_logits = model.decision_function(x)
        for k, lang in enumerate(langs):
            weights, lexicon, bias = fold_language(model, k, shared, has_neutral=True)
            assert weights.shape == (BUCKETS, 3)
            lm = LanguageModel(weights, lexicon, bias, 0.5)
            for i, row in zip(np.flatnonzero(groups == k), rows[lang], strict=True):
                ours = lm.logits(row["text"], rules.lexicon_compound(row["text"], lang))
                assert ours == pytest.approx(pooled_logits[i], abs=1e-4)

    def test_language_without_neutral_posts_never_says_neutral(self, rules: Scorer) -> None:
        """Finnish has no neutral training posts: its folded neutral bias rules neu out."""
        langs, rows, _, _, model = _pooled(rules, 1.0)
        k = langs.index("fi")
        lm = LanguageModel(*fold_language(model, k, 1.0, has_neutral=False), 0.5)
        for text, _ in POSTS["fi"]:
            assert lm.predict(text, rules.lexicon_compound(text, "fi")).neu < 1e-9


class TestWeightsAndThresholds:
    def test_classes_balance_inside_each_language(self) -> None:
        """Each language's classes carry equal total weight; balance 0 keeps languages by size."""
        groups = np.array([0, 0, 0, 0, 1, 1])
        y = np.array([0, 0, 0, 2, 0, 2])
        w = sample_weights(groups, y, 0.0)
        assert w[:3].sum() == pytest.approx(w[3])
        assert w[:4].sum() == pytest.approx(4) and w[4:].sum() == pytest.approx(2)

    def test_balance_one_weighs_languages_alike(self) -> None:
        """With balance 1 every language has the same total weight, whatever its size."""
        groups = np.array([0, 0, 0, 0, 1, 1])
        y = np.array([0, 1, 2, 2, 0, 2])
        w = sample_weights(groups, y, 1.0)
        assert w[:4].sum() == pytest.approx(w[4:].sum())

    def test_without_neutral_renormalises_neg_and_pos(self) -> None:
        """Dropping neutral keeps the neg:pos ratio and sums to one."""
        out = without_neutral(np.array([[0.2, 0.6, 0.2], [0.1, 0.5, 0.4]]))
        assert out[:, 1].tolist() == [0.0, 0.0]
        assert out[0].tolist() == pytest.approx([0.5, 0.0, 0.5])
        assert out[1, 0] / out[1, 2] == pytest.approx(0.25)

    @staticmethod
    def _noisy(seed: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        y = rng.integers(0, 3, 400)
        proba = rng.dirichlet([1, 1, 1], 400)
        proba[y == 0, 0] += 0.3
        return y, proba / proba.sum(axis=1, keepdims=True)

    def test_threshold_respects_the_positive_limit(self) -> None:
        """The tuned threshold never reads more positives as negative than the limit allows."""
        y, proba = self._noisy(3)
        threshold, floor, f1 = tune_threshold(y, proba, np.zeros(400), 0.10)
        assert np.mean(proba[y == 2, 0] >= threshold) <= 0.10
        assert 0.0 < f1 <= 1.0 and floor == -2.0

    def test_unreachable_limit_gives_the_safest_threshold(self) -> None:
        """When no threshold keeps within the limit, the one reading the fewest positives as
        negative is chosen (never a silent default)."""
        y, proba = self._noisy(3)
        threshold, _, _ = tune_threshold(y, proba, np.zeros(400), 0.0)
        rate = np.mean(proba[y == 2, 0] >= threshold)
        for t in np.arange(0.20, 0.951, 0.01):
            assert rate <= np.mean(proba[y == 2, 0] >= round(float(t), 2)) + 1e-12

    def test_limit_holds_in_every_fold_not_just_on_average(self) -> None:
        """With folds given, a threshold qualifies only if each fold stays under the limit."""
        y, proba = self._noisy(5)
        fold_of = np.arange(400) % 5
        threshold, floor, _ = tune_threshold(y, proba, np.zeros(400), 0.10, fold_of)
        for k in range(5):
            pos = (fold_of == k) & (y == 2)
            assert np.mean(proba[pos, 0] >= threshold) <= 0.10
        pooled, _, _ = tune_threshold(y, proba, np.zeros(400), 0.10)
        assert threshold >= pooled and floor == -2.0

    def test_safe_limit_keeps_the_held_out_share_under_target_with_a_margin(self) -> None:
        """The limit is lowered until the nested held-out share plus 1.645 standard errors of
        one fold's positives is at most 10 %; each step checked is reported."""
        y, proba = self._noisy(7)
        fold_of = np.arange(400) % 5
        rule = np.zeros(400)
        limit, two, rows = safe_limit(y, proba, rule, fold_of, (0.12, 0.10, 0.08, 0.06, 0.04))
        assert [r[0] for r in rows] == [0.12, 0.10, 0.08, 0.06, 0.04][: len(rows)]
        assert rows[-1][0] == limit and rows[-1][3] == two
        m = np.sum(y == 2) / 5
        _, mean, _ = nested_check(y, proba, rule, fold_of, limit, two=two)
        bound = mean + 1.645 * np.sqrt(mean * (1 - mean) / m)
        assert bound == pytest.approx(rows[-1][2])
        if limit != 0.04:
            assert bound <= 0.10
        assert all(r[2] > 0.10 for r in rows[:-1])  # every larger limit missed the target


class TestNaiveBayesScaling:
    def test_scale_favours_buckets_that_separate_negatives(self) -> None:
        """A bucket seen only in negative posts is scaled up; the lexicon columns stay at 1."""
        rows = [(0, 1.0), (0, 1.0), (1, 1.0), (1, 1.0)]
        x = sparse.csr_matrix(([v for _, v in rows], ([0, 1, 2, 3], [5, 5, 7, 7])),
                              shape=(4, BUCKETS + 2))
        y = np.array([0, 0, 2, 2])
        scale = nb_scale(x, y, 1.0)
        assert scale[5] > 1.0 and scale[7] > 1.0 and scale[9] == pytest.approx(1.0)
        assert scale[BUCKETS] == scale[BUCKETS + 1] == 1.0
        assert np.all(nb_scale(x, y, 0.0) == 1.0)

    def test_scaled_weights_fold_into_raw_features(self) -> None:
        """Weights times the scale on raw features give the logits of the scaled design."""
        rng = np.random.default_rng(2)
        x = sparse.random(6, BUCKETS + 2, density=1e-4, random_state=3, format="csr")
        scale = 1.0 + rng.random(BUCKETS + 2)
        w = rng.normal(size=(BUCKETS + 2, 3))
        np.testing.assert_allclose(scaled(x, scale) @ w, x @ (w * scale[:, None]))


class TestLexiconThreshold:
    @staticmethod
    def _case(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Posts where negative lexicon evidence makes a moderate P(neg) trustworthy."""
        rng = np.random.default_rng(seed)
        y = rng.integers(0, 3, 600)
        rule = np.where(rng.random(600) < 0.5, -0.5, 0.0)
        p_neg = rng.uniform(0.0, 0.5, 600)
        p_neg[(y == 0) & (rule < 0)] += 0.2  # negatives with lexicon evidence: moderate
        p_neg[(y == 0) & (rule == 0)] += 0.45  # without it: only confident ones count
        proba = np.stack([p_neg, (1 - p_neg) / 2, (1 - p_neg) / 2], axis=1)
        return y, proba, rule, np.arange(600) % 5

    def test_two_thresholds_match_a_brute_force_search(self) -> None:
        """The vectorised search finds the same best pair as trying every pair."""
        y, proba, rule, folds = self._case(7)
        threshold, lex_threshold, floor, f1 = tune_thresholds(y, proba, rule, 0.10, folds)
        assert lex_threshold <= threshold
        assert neg_scores(y, decide(proba, threshold, rule, floor, lex_threshold))[0] == (
            pytest.approx(f1))
        best = -1.0
        for t_other in np.round(np.arange(0.20, 0.951, 0.01), 2):
            for t_lex in np.round(np.arange(0.20, t_other + 1e-9, 0.01), 2):
                for fl in (-2.0, -0.8, -0.7, -0.6, -0.5, -0.4):
                    pred = decide(proba, float(t_other), rule, fl, float(t_lex))
                    if max(fold_rates(y, pred, folds)) <= 0.10:
                        best = max(best, neg_scores(y, pred)[0])
        assert f1 == pytest.approx(best)

    def test_lexicon_evidence_earns_a_lower_threshold_and_a_better_f1(self) -> None:
        """When lexicon-backed negatives are less confident, their threshold is lower and F1
        beats the single threshold's, with the positive limit still held in every fold."""
        y, proba, rule, folds = self._case(11)
        one_t, one_floor, one_f1 = tune_threshold(y, proba, rule, 0.10, folds)
        threshold, lex_threshold, floor, f1 = tune_thresholds(y, proba, rule, 0.10, folds)
        assert lex_threshold < threshold and f1 > one_f1
        pred = decide(proba, threshold, rule, floor, lex_threshold)
        assert max(fold_rates(y, pred, folds)) <= 0.10
