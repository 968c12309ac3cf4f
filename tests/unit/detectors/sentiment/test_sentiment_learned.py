"""The learned sentiment model as shipped: loading, output contract, real-style posts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from detectors.sentiment.features import BUCKETS, MASK, char_buckets, featurize, tokens, word_id
from detectors.sentiment.learned import MODEL_PATH, lexicon_features, load_models
from detectors.sentiment.scorer import Score, Scorer
from detectors.sentiment.script import script_language, strip_non_linguistic

ROOT = Path(__file__).resolve().parents[4]
LEARNED = ("en", "fr", "es", "de", "sv", "lv", "nl", "fi")


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(cache_size=0)


class TestShippedModel:
    def test_model_file_is_small_and_covers_every_language(self) -> None:
        """The weights ship inside the package, under 25 MB, one model per audience language."""
        assert MODEL_PATH.stat().st_size < 25_000_000
        assert set(LEARNED) <= set(load_models())

    def test_scores_without_scikit_learn(self) -> None:
        """Inference needs numpy only: the scorer works with scikit-learn made unimportable."""
        code = (
            "import sys; sys.modules['sklearn'] = None; sys.modules['scipy'] = None\n"
            "from detectors.sentiment.scorer import Scorer\n"
            "s = Scorer(cache_size=0)\n"
            "assert 'de' in s.learned_languages, s.learned_languages\n"
            "r = s.score('Streik schon wieder, Zugausfall', 'de')\n"
            "print(r.label, r.confidence)\n"
        )
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                              text=True, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stdout.split()[0] == "neg"

    def test_learned_languages_are_the_audience(self, scorer: Scorer) -> None:
        """Every audience language is scored by its learned model."""
        assert set(LEARNED) <= scorer.learned_languages


# Real-style negatives (customer complaints, idioms) in several languages.
NEGATIVES = [
    ("de", "Streik schon wieder, Zugausfall"),
    ("fi", "pahaa ruokaa"),
    ("nl", "te mijden als de pest"),
    ("en", "worst customer service ever, still no refund"),
    ("fr", "service client nul, je suis très déçu"),
    ("es", "pésimo servicio, nunca más"),
    ("sv", "usel service, aldrig mer"),
    ("lv", "briesmīga apkalpošana, vairs nekad"),
]
POSITIVES = [
    ("en", "Thank you so much, the new app is brilliant!"),
    ("de", "Super Service, vielen Dank!"),
    ("fr", "Merci beaucoup, service génial"),
    ("es", "Muchas gracias, servicio excelente"),
    ("fi", "Kiitos, ihana palvelu"),
]


# Crisis vocabulary (lexicons/<lang>/complaints.tsv): strikes, cancellations, food safety.
CRISIS = [
    ("de", "Schon wieder Streik, mein Zug fällt aus"),
    ("fr", "Encore une grève, mon train est supprimé"),
    ("es", "Otra vez huelga y mi vuelo suspendido"),
    ("sv", "Strejk igen och mitt tåg är inställt"),
    ("fi", "Taas lakko ja junani peruttiin"),
    ("nl", "Alweer een staking, mijn trein valt uit"),
    ("lv", "Atkal streiks, mans vilciens atcelts"),
    ("en", "Another strike and my train is cancelled"),
    ("de", "Lebensmittelvergiftung nach dem Essen dort"),
    ("fr", "Intoxication alimentaire après ce repas"),
    ("es", "Intoxicación alimentaria después de comer allí"),
    ("sv", "Matförgiftning efter maten där"),
    ("fi", "Ruokamyrkytys sen ravintolan ruoasta"),
    ("nl", "Voedselvergiftiging na het eten daar"),
    ("lv", "Saindēšanās pēc ēdiena tur"),
    ("en", "Food poisoning after eating there"),
]


class TestCrisisVocabulary:
    @pytest.mark.parametrize(("lang", "text"), CRISIS)
    def test_crisis_post_without_hint_is_negative(self, scorer: Scorer, lang: str, text: str
                                                  ) -> None:
        """A strike, cancellation or food-poisoning post is ``neg`` in its detected language
        (before the crisis vocabulary, food poisoning read as neutral or positive)."""
        result = scorer.score(text)
        assert (result.lang, result.label) == (lang, "neg"), result


class TestContract:
    @pytest.mark.parametrize(("lang", "text"), NEGATIVES)
    def test_clear_negative_is_neg(self, scorer: Scorer, lang: str, text: str) -> None:
        """A plainly negative post comes out ``neg`` with a negative compound."""
        result = scorer.score(text, lang)
        assert result.label == "neg", result
        assert result.compound is not None and result.compound < 0

    @pytest.mark.parametrize(("lang", "text"), POSITIVES)
    def test_clear_positive_is_pos(self, scorer: Scorer, lang: str, text: str) -> None:
        """A plainly positive post comes out ``pos``."""
        assert scorer.score(text, lang).label == "pos"

    @pytest.mark.parametrize(("lang", "text"), NEGATIVES + POSITIVES)
    def test_confidence_is_a_probability(self, scorer: Scorer, lang: str, text: str) -> None:
        """A learned score carries the probability of its label, and a compound in [-1, 1]."""
        result = scorer.score(text, lang)
        assert result.confidence is not None and 1 / 3 <= result.confidence <= 1.0
        assert result.compound is not None and -1.0 <= result.compound <= 1.0

    def test_score_keeps_positional_construction(self) -> None:
        """Existing ``Score(compound, label, lang)`` calls still work; confidence defaults to None."""
        assert Score(None, "unscored", "pt").confidence is None

    def test_handles_carry_no_sentiment(self, scorer: Scorer) -> None:
        """A brand's handle is masked: the same post about two brands scores the same."""
        a = scorer.score("@LoveAirlines my flight is delayed again", "en")
        b = scorer.score("@HateAirlines my flight is delayed again", "en")
        assert a == b

    def test_rules_only_scorer_has_no_confidence(self) -> None:
        """``learned=False`` keeps the rule engine alone (no probabilities)."""
        result = Scorer(cache_size=0, learned=False).score("Tosi huono palvelu", "fi")
        assert result.label == "neg" and result.confidence is None


NON_LATIN = [
    ("東京のサービスは最悪です", "ja"),
    ("这个服务太差了", "zh"),
    ("Это ужасный сервис, никогда больше", "ru"),
    ("الخدمة سيئة جدا", "ar"),
    ("서비스가 너무 나빠요", "ko"),
]


class TestScripts:
    @pytest.mark.parametrize(("text", "lang"), NON_LATIN)
    def test_non_latin_script_is_unscored(self, scorer: Scorer, text: str, lang: str) -> None:
        """Posts in other scripts come back unscored, never neutral under a Latin language."""
        for hint in (None, "en"):
            result = scorer.score(f"@Brand {text} https://t.co/x1 #fail", hint)
            assert result.label == "unscored" and result.compound is None
        assert scorer.score(text).lang == lang

    def test_urls_handles_hashtags_do_not_vote(self, scorer: Scorer) -> None:
        """Only the words of the post decide its language."""
        text = "@deutschebahn @sncf_voyageurs #zugausfall #grève waiting for hours, no information"
        assert scorer.detect_language(text) == "en"

    def test_strip_and_script_helpers(self) -> None:
        """Handles, URLs and hashtags are removed; Latin with accents stays Latin."""
        assert strip_non_linguistic("@a hi #b https://x.y/z").split() == ["hi"]
        assert script_language("Ļoti slikti, ß, ñ") == (True, None)


class TestFeatures:
    def test_normalisation_masks_handles_urls_numbers(self) -> None:
        """Handles, URLs and digit runs become placeholder tokens; long repeats are cut."""
        assert tokens("@Telia 12,50 € https://t.co/x NOOOOO\ufe0f") == [
            "@user", "0", "€", "http", "nooo"]

    def test_features_are_deterministic_and_bounded(self) -> None:
        """Bucket indices do not depend on the process (no salted hash) and stay in range."""
        assert char_buckets("ok") == [4219, 218989, 34475, 155671, 170320, 189158]
        indices, values = featurize("Te mijden als de PEST")
        assert all(0 <= i < 1 << 18 for i in indices)
        chars = sum(len(char_buckets(t)) for t in "te mijden als de pest".split())
        assert len(indices) == len(values) == chars + 5 + 4

    @pytest.mark.parametrize("text", ["@Brand te mijden als de pest!! 😡 https://t.co/x",
                                      "Streik schon wieder, Zugausfall", "ok", ""])
    def test_inference_equals_the_training_features(self, text: str) -> None:
        """The memoised inference sums exactly the weights of the features training sees."""
        model = load_models()["nl"]
        indices, values = featurize(text)
        weights = model._weights.astype(np.float64)
        expected = np.array(model._bias, dtype=np.float64)
        for index, value in zip(indices, values, strict=True):
            expected += value * weights[index]
        expected += np.array(model._lexicon, dtype=np.float64).T @ np.array(lexicon_features(-0.4))
        for _ in range(2):  # cold, then from the memo
            assert np.allclose(model.logits(text, -0.4), expected, rtol=0, atol=1e-6)


def test_missing_model_file_falls_back_to_rules(tmp_path: Path) -> None:
    """Without a model file every language is scored by the rules alone (confidence None)."""
    scorer = Scorer(cache_size=0, model_path=tmp_path / "absent.npz")
    assert scorer.learned_languages == frozenset()
    result = scorer.score("Tosi huono palvelu", "fi")
    assert result.label == "neg" and result.confidence is None


@pytest.fixture(scope="class")
def undecided(tmp_path_factory: pytest.TempPathFactory) -> Scorer:
    """A scorer whose English model knows nothing (P = 1/3 each) and never says neg."""
    path = tmp_path_factory.mktemp("model") / "flat.npz"
    np.savez(path, **{"en.weights": np.zeros((BUCKETS, 3), np.float16),
                      "en.lexicon": np.zeros((2, 3), np.float32),
                      "en.bias": np.zeros(3, np.float32),
                      "en.neg_threshold": np.array(0.9, np.float32),
                      "en.rule_floor": np.array(-2.0, np.float32)})
    return Scorer(cache_size=0, model_path=path)


class TestStrongComplaints:
    def test_strong_english_complaint_is_neg_whatever_the_model_says(self, undecided: Scorer
                                                                     ) -> None:
        """Complaint phrases summing to STRONG_COMPLAINT or less make a negative-leaning
        English post neg even when the model's P(neg) is under its threshold."""
        text = "I've been transferred between departments five times"
        score = undecided.score(text, "en")
        assert score.label == "neg" and score.compound is not None and score.compound <= -0.05

    @pytest.mark.parametrize("text", [
        "My package was supposed to arrive Tuesday. It's Friday.",  # one weak phrase
        "The meeting is at noon",
        "Got my refund, thank you so much, great service!",  # a complaint word, praised
    ])
    def test_weak_or_no_complaint_leaves_the_model_to_decide(self, undecided: Scorer,
                                                             text: str) -> None:
        """Without strong complaint evidence the model's own label stands (here: not neg)."""
        assert undecided.score(text, "en").label != "neg"


def _tiny_model(path: Path, **extra: float) -> Path:
    """An English model whose only weight is on the word "hmm" (neg) and the lexicon."""
    weights = np.zeros((BUCKETS, 3), np.float16)
    weights[word_id("hmm") & MASK] = [2.0, 0.0, 0.0]
    arrays = {"en.weights": weights, "en.lexicon": np.zeros((2, 3), np.float32),
              "en.bias": np.zeros(3, np.float32),
              "en.neg_threshold": np.array(0.9, np.float32),
              "en.rule_floor": np.array(-2.0, np.float32)}
    arrays.update({f"en.{k}": np.array(v, np.float32) for k, v in extra.items()})
    np.savez(path, **arrays)
    return path


class TestModelOptions:
    def test_lexicon_threshold_applies_only_with_negative_lexicon_evidence(
            self, tmp_path: Path) -> None:
        """A post the rules read as negative needs only lex_threshold; others neg_threshold."""
        model = load_models(_tiny_model(tmp_path / "m.npz", lex_threshold=0.5))["en"]
        p = model.predict("hmm", None)
        assert 0.5 < p.neg < 0.9
        assert model.predict("hmm", -0.3).label == "neg"
        assert model.predict("hmm", 0.0).label != "neg"
        assert model.predict("hmm", None).label != "neg"

    def test_old_model_files_keep_one_threshold_and_full_char_weight(self, tmp_path: Path
                                                                     ) -> None:
        """A file without lex_threshold / char_scale reads as before (one threshold, scale 1)."""
        model = load_models(_tiny_model(tmp_path / "m.npz"))["en"]
        assert model.lex_threshold == model.neg_threshold and model.char_scale == 1.0

    def test_char_scale_weighs_character_ngrams_like_training(self, tmp_path: Path) -> None:
        """Inference scales the character n-grams as featurize(char_scale=...) did."""
        weights = np.random.default_rng(0).normal(0, 1, (BUCKETS, 3)).astype(np.float16)
        arrays = {"en.weights": weights, "en.lexicon": np.zeros((2, 3), np.float32),
                  "en.bias": np.zeros(3, np.float32),
                  "en.neg_threshold": np.array(0.5, np.float32),
                  "en.char_scale": np.array(0.5, np.float32)}
        np.savez(tmp_path / "m.npz", **arrays)
        model = load_models(tmp_path / "m.npz")["en"]
        text = "Package arrived early, well packed"
        idx, val = featurize(text, 0.5)
        expected = np.zeros(3)
        for i, v in zip(idx, val, strict=True):
            expected += v * weights[i].astype(np.float64)
        assert model.logits(text, None) == pytest.approx(expected.tolist(), abs=1e-3)
