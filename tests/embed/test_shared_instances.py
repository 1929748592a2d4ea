"""An embedder is built once per process and options: a classifier's model must not load again on every call."""

from __future__ import annotations

from nps_text.embed import backends
from nps_text.embed.backends import get_embedder
from nps_text.tagging import ThemeClassifier


def test_the_same_name_and_options_give_the_same_embedder():
    assert get_embedder("hashing") is get_embedder("hashing")
    assert get_embedder("hashing", dim=16) is not get_embedder("hashing")


def test_a_classifier_builds_its_encoder_once_however_often_it_predicts(monkeypatch):
    built = []

    def factory():
        built.append(1)
        return backends.HashingEmbedder(dim=32)

    monkeypatch.setitem(backends._REGISTRY, "counting", factory)
    texts, labels = ["zu teuer", "Preis hoch", "Lieferung spät", "Paket spät"] * 4, [["price"], ["price"],
                                                                                   ["delivery"], ["delivery"]] * 4
    model = ThemeClassifier(embedder="counting", cache=False).fit(texts, labels)
    for _ in range(3):  # the nightly job predicts once per piece
        model.predict_proba(["viel zu teuer"])
    assert len(built) == 1
