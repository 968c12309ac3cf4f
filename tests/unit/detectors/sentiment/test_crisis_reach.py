"""Crisis vocabulary reaches the learned model's decision in every language.

The training tweets hardly contain outages, recalls, data breaches, refunds or
cancellations; the rule engine's crisis phrases (``lexicons/<lang>/complaints.tsv``)
enter the model as its lexicon features (and the stacker's inputs where one is
shipped). These posts, written for the round-6 check (docs/sentiment-model.md), must
come out ``neg`` through the shipped model, with the ``lang`` hint and without it.
"""

from __future__ import annotations

import pytest

from detectors.sentiment.learned import LEX_EVIDENCE
from detectors.sentiment.scorer import Scorer

CRISIS_POSTS = {
    "outage": {
        "en": "The app has been down all morning, total outage",
        "de": "Störung: die App geht seit heute Morgen nicht",
        "fr": "Panne générale, l'appli ne marche plus depuis ce matin",
        "es": "Caída total del servicio, la app no funciona desde esta mañana",
        "sv": "Driftstörning igen, appen fungerar inte sedan i morse",
        "fi": "Käyttökatko, sovellus ei toimi koko aamuna",
        "nl": "Storing, de app werkt al de hele ochtend niet",
        "lv": "Traucējumi, lietotne nedarbojas jau visu rītu",
    },
    "recall": {
        "en": "They recalled the cheese over salmonella",
        "de": "Rückruf: Salmonellen im Käse",
        "fr": "Rappel de produit : des salmonelles dans le fromage",
        "es": "Retiran del mercado el queso por salmonela",
        "sv": "Återkallelse av osten på grund av salmonella",
        "fi": "Juuston takaisinveto salmonellan takia",
        "nl": "Terugroepactie: salmonella in de kaas",
        "lv": "Siers atsaukts salmonellas dēļ",
    },
    "breach": {
        "en": "Data breach at my bank, my password was leaked",
        "de": "Datenleck bei meiner Bank, mein Passwort wurde geleakt",
        "fr": "Fuite de données chez ma banque, mon mot de passe a fuité",
        "es": "Filtración de datos en mi banco, mi contraseña se filtró",
        "sv": "Dataintrång hos min bank, mitt lösenord har läckt",
        "fi": "Tietomurto pankissani, salasanani vuoti",
        "nl": "Datalek bij mijn bank, mijn wachtwoord is gelekt",
        "lv": "Datu noplūde manā bankā, mana parole nopludināta",
    },
    "refund": {
        "en": "Still no refund after three weeks",
        "de": "Immer noch keine Rückerstattung nach drei Wochen",
        "fr": "Toujours pas de remboursement après trois semaines",
        "es": "Todavía sin reembolso después de tres semanas",
        "sv": "Fortfarande ingen återbetalning efter tre veckor",
        "fi": "Edelleen ei hyvitystä kolmen viikon jälkeen",
        "nl": "Nog steeds geen terugbetaling na drie weken",
        "lv": "Joprojām nav atmaksas pēc trim nedēļām",
    },
    "cancellation": {
        "en": "My flight got cancelled again",
        "de": "Mein Flug wurde schon wieder gestrichen",
        "fr": "Mon vol a encore été annulé",
        "es": "Me han cancelado el vuelo otra vez",
        "sv": "Mitt flyg blev inställt igen",
        "fi": "Lentoni peruttiin taas",
        "nl": "Mijn vlucht is weer geannuleerd",
        "lv": "Mans reiss atkal atcelts",
    },
}
# Read `neu` although the rules read them as negative (compound -0.54 to -0.76): the Dutch
# model weighs its lexicon feature least and has no rule floor (docs/sentiment-model.md,
# round 6). Strict: a model that gets them right makes these fail, so the list stays true.
_DUTCH = "Dutch model: lexicon evidence too weak against the n-grams, no rule floor"
KNOWN_MISSES: dict[tuple[str, str], str] = {
    ("recall", "nl"): _DUTCH, ("breach", "nl"): _DUTCH, ("cancellation", "nl"): _DUTCH,
}
POSTS = [pytest.param(lang, text, id=f"{kind}-{lang}")
         for kind, posts in CRISIS_POSTS.items() for lang, text in posts.items()]
CASES = [
    pytest.param(lang, text, id=f"{kind}-{lang}",
                 marks=[pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[kind, lang])]
                 if (kind, lang) in KNOWN_MISSES else [])
    for kind, posts in CRISIS_POSTS.items() for lang, text in posts.items()
]


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(cache_size=0)


def test_every_language_has_every_kind() -> None:
    assert all(set(posts) == {"en", "de", "fr", "es", "sv", "fi", "nl", "lv"}
               for posts in CRISIS_POSTS.values())


@pytest.mark.parametrize(("lang", "text"), POSTS)
def test_rules_read_the_crisis_as_negative(scorer: Scorer, lang: str, text: str) -> None:
    """The rule engine's compound, the model's lexicon feature, is negative evidence."""
    compound = scorer.lexicon_compound(text, lang)
    assert compound is not None and compound <= LEX_EVIDENCE, compound


@pytest.mark.parametrize(("lang", "text"), CASES)
def test_crisis_post_is_negative(scorer: Scorer, lang: str, text: str) -> None:
    """Through the shipped model, with the hint and with the language detected."""
    hinted, detected = scorer.score(text, lang), scorer.score(text)
    assert (hinted.label, detected.lang, detected.label) == ("neg", lang, "neg"), (hinted, detected)
