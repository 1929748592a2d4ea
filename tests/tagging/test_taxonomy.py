from __future__ import annotations

import pytest

from nps_text.tagging.taxonomy import (
    Taxonomy,
    TaxonomyError,
    default_taxonomy,
    load_taxonomy,
)

SMALL = """\
name: small
version: "0.1"
languages: [de, en]
themes:
  - id: price
    name: {de: Preis, en: Price}
    description: {de: Was es kostet., en: What it costs.}
    keywords:
      de: [teuer, günstig, "preis*", "Preis-Leistungs-Verhältnis"]
      en: [expensive, cheap, "value for money"]
    examples:
      de: ["Viel zu teuer"]
      en: ["Way too expensive"]
  - id: delivery
    name: {de: Lieferung, en: Delivery}
    keywords:
      de: ["liefer*", "*versand", Paket]
      en: [delivery, parcel, shipping]
  - id: delivery_time
    parent: delivery
    name: {de: Lieferzeit, en: Delivery time}
"""


def test_load_save_roundtrip(tmp_path):
    taxonomy = Taxonomy.from_yaml(SMALL)
    assert taxonomy.ids == ["price", "delivery", "delivery_time"]
    assert taxonomy["price"].keywords["de"][1] == "günstig"
    assert taxonomy["delivery_time"].parent == "delivery"
    path = taxonomy.save(tmp_path / "t.yaml")
    assert "günstig" in path.read_text(encoding="utf-8")
    again = load_taxonomy(path)
    assert again == taxonomy and again.fingerprint == taxonomy.fingerprint


@pytest.mark.parametrize("change, message", [
    (("  - id: delivery\n", "  - id: Delivery\n"), r"<string>:14: themes\[1\]\.id: 'Delivery' is not a valid id"),
    (("    parent: delivery\n", "    parent: shipping\n"), r"<string>:20: themes\[2\]\.parent: parent 'shipping' is not a theme listed before"),
    (("      en: [delivery, parcel, shipping]\n", "      en: delivery\n"), r"<string>:18: themes\[1\]\.keywords\.en: expected a list of texts"),
    (('      de: ["liefer*", "*versand", Paket]\n', '      de: ["li*", Paket]\n'), r"themes\[1\]\.keywords\.de\[0\]: wildcard stem 'li\*' is shorter than 4 letters"),
    (("    name: {de: Lieferung, en: Delivery}\n", "    title: {de: Lieferung, en: Delivery}\n"), r"<string>:15: themes\[1\]\.title: unknown key; allowed keys"),
    (("      en: [expensive,", "      fr: [expensive,"), r"themes\[0\]\.keywords\.fr: unknown key; allowed keys: \['de', 'en'\]"),
    (("version: \"0.1\"\n", ""), r"<string>:1: taxonomy: missing key\(s\) \['version'\]"),
    (("  - id: delivery_time\n", "  - id: price\n"), r"themes\[2\]\.id: duplicate theme id 'price'"),
    (("name: small\n", "name: small\n  bad: [\n"), r"<string>:\d+: not valid YAML"),
])
def test_errors_point_at_line_and_field(change, message):
    with pytest.raises(TaxonomyError, match=message):
        Taxonomy.from_yaml(SMALL.replace(*change))


def test_yaml_cannot_run_code():
    evil = SMALL.replace('name: small\n', 'name: !!python/object/apply:os.system ["echo pwned"]\n')
    with pytest.raises(TaxonomyError, match=r"<string>:1: taxonomy: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"):
        Taxonomy.from_yaml(evil)


def test_missing_file(tmp_path):
    with pytest.raises(TaxonomyError, match=r"Taxonomy file '.*nope.yaml' does not exist"):
        load_taxonomy(tmp_path / "nope.yaml")


def test_default_taxonomy_covers_the_nps_themes():
    taxonomy = default_taxonomy()
    for theme_id in ("price", "billing", "service", "support", "product_quality", "reliability", "delivery",
                     "usability", "features", "communication", "onboarding", "availability", "praise", "complaint"):
        theme = taxonomy[theme_id]
        assert set(theme.name) == {"de", "en"} and theme.keywords["de"] and theme.keywords["en"]
        assert len(theme.examples["de"]) >= 3 and len(theme.examples["en"]) >= 3
    seen: dict[str, str] = {}
    for theme in taxonomy:
        for words in theme.keywords.values():
            for word in words:
                assert seen.setdefault(word.lower(), theme.id) == theme.id, f"{word!r} in two themes"


def test_yaml_alias_bomb_is_refused_at_once(tmp_path):
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"{c}: &{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    path = tmp_path / "bomb.yaml"
    path.write_text("name: x\nversion: '1'\n" + "\n".join(levels) + "\nthemes: *i\n")
    with pytest.raises(TaxonomyError, match=r"bomb.yaml:3: YAML anchors and aliases \('&a', '\*a'\) are not allowed"):
        load_taxonomy(path)


def test_oversized_yaml_is_refused(monkeypatch):
    monkeypatch.setattr("nps_text._core.safe_files.MAX_YAML_BYTES", 100)
    with pytest.raises(TaxonomyError, match=r"<string>: the file is 1,000 characters long"):
        Taxonomy.from_yaml("#" * 1000)


def test_yaml_merge_keys_are_refused_with_their_own_message():
    merged = SMALL.replace("name: small\n", "name: small\nextra: {<<: {a: 1}}\n")
    with pytest.raises(TaxonomyError, match=r"merge keys \('<<:'\) are not allowed"):
        Taxonomy.from_yaml(merged)
