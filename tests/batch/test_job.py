"""The nightly job: incremental, idempotent, history-keeping, accounting for every row; SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nps_text.batch import tag_to_store
from nps_text.errors import ParameterError
from nps_text.jobs import tag_survey
from nps_text.store import Store

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample_survey.csv"
KEY = ["response_id", "sentence_id", "theme", "start", "end", "sentiment"]


@pytest.fixture
def db(store_db):
    return store_db


@pytest.fixture(scope="module")
def sample_head(tmp_path_factory) -> Path:
    """The first 600 rows of the sample: enough for every kind of row, quick to tag twice."""
    path = tmp_path_factory.mktemp("src") / "head.csv"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()[:601]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _key(frame: pd.DataFrame) -> list[tuple]:
    return sorted(tuple(str(v) for v in row) for row in frame[KEY].itertuples(index=False))


def test_a_rerun_adds_nothing_and_a_changed_comment_is_tagged_again_with_history(db, sample_head, tmp_path):
    first = tag_to_store(sample_head, db, rows=250)
    assert first.status == "succeeded" and first.counts["pieces"] == 3
    with Store(db) as store:
        before = store.counts()
        assert before["nps_tagged"] == before["nps_responses"] == first.counts["responses_new"]
        assert before["nps_rejects"] == first.counts["rows_rejected"] > 0  # every bad row is accounted for
    again = tag_to_store(sample_head, db, rows=250)
    assert again.counts["responses_new"] == again.counts["responses_changed"] == again.counts["mentions_written"] == 0
    assert again.counts["responses_skipped"] == first.counts["responses_new"]
    with Store(db) as store:
        after = store.counts()
        assert {k: v for k, v in after.items() if k not in ("nps_runs", "nps_rejects")} == \
               {k: v for k, v in before.items() if k not in ("nps_runs", "nps_rejects")}
        assert after["nps_runs"] == 2
    raw = pd.read_csv(sample_head, dtype=str, keep_default_na=False)
    row = raw.index[raw["response_id"] == "R000003"][0]
    raw.loc[row, "comment"] = "Die Lieferung kam drei Wochen zu spät."
    changed = tmp_path / "changed.csv"
    raw.to_csv(changed, index=False)
    third = tag_to_store(changed, db, rows=250)
    assert third.counts["responses_changed"] == 1 and third.counts["responses_new"] == 0
    with Store(db) as store:
        now = store.mentions()
        assert set(now.loc[now["response_id"] == "R000003", "theme"]) == {"delivery"}
        history = store.mentions(current=False)
        old = history[(history["response_id"] == "R000003") & ~history["current"]]
        assert set(old["theme"]) == {"billing", "price"} and set(old["run_id"]) == {first.run_id}
        assert len(now) == len(history) - len(old)  # nothing else was touched
        stored = store.responses().set_index("response_id")
        assert stored.loc["R000003", "comment"] == "Die Lieferung kam drei Wochen zu spät."


def test_the_store_holds_what_tag_survey_finds_whatever_the_piece_size(sample_head, tmp_path):
    expected = tag_survey(sample_head, redact_pii=True, sentiment="lexicon").mentions
    for rows in (37, 600):
        db = tmp_path / f"pieces{rows}.db"
        tag_to_store(sample_head, db, rows=rows)
        with Store(db) as store:
            assert _key(store.mentions()) == _key(expected)


def test_retag_tags_again_and_keeps_the_earlier_mentions_as_history(tmp_path, sample_head):
    db = tmp_path / "nps.db"
    first = tag_to_store(sample_head, db, rows=300)
    second = tag_to_store(sample_head, db, rows=300, retag=True)
    assert second.counts["responses_changed"] == first.counts["responses_new"]
    with Store(db) as store:
        current, everything = store.mentions(), store.mentions(current=False)
        assert len(everything) == 2 * len(current)
        assert set(current["run_id"]) == {second.run_id}
        assert _key(current) == _key(everything[~everything["current"]])


def test_duplicate_ids_across_pieces_are_rejected_not_written_twice(tmp_path):
    survey = pd.DataFrame({"id": ["a", "b", "a", "c"], "score": [9, 3, 10, 7],
                           "comment": ["Lieferung schnell", "zu teuer", "Lieferung langsam", "ok"]})
    db = tmp_path / "nps.db"
    run = tag_to_store(survey, db, rows=2)
    with Store(db) as store:
        rejects = store.rejects(run.run_id)
        assert rejects[["value", "reason"]].values.tolist() == [
            ["a", "duplicate response id (already read earlier in this run)"]]
        assert sorted(store.responses()["response_id"]) == ["a", "b", "c"]
        assert store.mentions().query("response_id == 'a'")["evidence"].tolist() == ["Lieferung"]
    assert run.counts["rows_rejected"] == 1 and run.counts["responses_new"] == 3


def test_personal_data_is_redacted_before_it_is_stored_unless_asked_not_to(tmp_path):
    survey = pd.DataFrame({"id": ["a"], "score": [2],
                           "comment": ["Rufen Sie mich an: max.mustermann@example.com, der Preis ist zu hoch"]})
    tag_to_store(survey, tmp_path / "safe.db")
    tag_to_store(survey, tmp_path / "raw.db", redact_pii=False)
    with Store(tmp_path / "safe.db") as safe, Store(tmp_path / "raw.db") as raw:
        assert "example.com" not in safe.responses()["comment"][0]
        assert "example.com" not in " ".join(safe.mentions()["sentence"])
        assert "example.com" in raw.responses()["comment"][0]
        assert safe.run()["fingerprint"] != raw.run()["fingerprint"]  # a different tagging, tagged separately


def test_segments_and_dates_are_stored_for_the_dashboard_query(tmp_path, sample_head):
    db = tmp_path / "nps.db"
    tag_to_store(sample_head, db)
    with Store(db) as store:
        responses = store.responses()
        assert {"channel", "customer_type"} <= set(responses.columns)
        assert responses["date"].notna().all()
        january = store.mentions(since="2025-01-01", until="2025-01-05", theme=["price", "delivery"])
        assert len(january) and set(january["theme"]) <= {"price", "delivery"}
        assert january["date"].between("2025-01-01", "2025-01-05").all()
        with pytest.raises(ParameterError, match="since/until must be a date"):
            store.mentions(since="last tuesday-ish")


def test_drift_flags_a_theme_that_moved_and_an_emerging_topic(tmp_path):
    base = [f"Die Lieferung war schnell, Bestellung {i}" for i in range(150)] + \
           [f"Der Preis ist fair, Vertrag {i}" for i in range(150)]
    night = [f"Der Preis ist zu hoch, Vertrag {i}" for i in range(200)] + \
            [f"Die Musik im Laden ist zu laut, Termin {i}" for i in range(60)] + \
            [f"Die Lieferung war schnell, Bestellung {i}" for i in range(40)]
    db = tmp_path / "nps.db"
    first = tag_to_store(pd.DataFrame({"id": [f"a{i}" for i in range(300)], "score": 8, "comment": base}), db)
    assert all(item["baseline"] is False for item in first.drift["emerging"])
    second = tag_to_store(pd.DataFrame({"id": [f"b{i}" for i in range(300)], "score": 5, "comment": night}), db)
    themes = {t["theme"]: t for t in second.drift["themes"]}
    assert themes["price"]["significant"] and themes["price"]["share"] > themes["price"]["share_before"]
    assert themes["delivery"]["significant"] and themes["delivery"]["share"] < themes["delivery"]["share_before"]
    emerging = [e for e in second.drift["emerging"] if e["emerging"]]
    assert emerging and {"musik", "laden"} & set(emerging[0]["keywords"])
    assert "Musik" in emerging[0]["quotes"][0]
    assert "Emerging theme" in second.summary()
    with Store(db) as store:
        stored = store.run(second.run_id)["drift"]["emerging"]
        assert [e["keywords"] for e in stored if e["emerging"]] == [e["keywords"] for e in emerging]
        assert any(e["emerging"] is False for e in stored)  # untagged before and now: listed, not alerted


def test_a_trained_model_tags_into_the_store_and_its_tier_is_recorded(tmp_path):
    from nps_text.tagging import ThemeClassifier

    texts = ["zu teuer", "Preis zu hoch", "viel zu teuer hier", "Lieferung langsam", "Lieferung kam spät",
             "Paket zu spät"] * 5
    labels = [["price"], ["price"], ["price"], ["delivery"], ["delivery"], ["delivery"]] * 5
    model = ThemeClassifier(embedder="hashing").fit(texts, labels)
    folder = model.save(tmp_path / "model")
    survey = pd.DataFrame({"id": ["a", "b"], "score": [3, 4], "comment": ["Der Preis ist zu teuer", "Lieferung zu spät"]})
    run = tag_to_store(survey, tmp_path / "nps.db", model=folder)
    assert run.tier == "fast" and run.tagger == "model model"
    with Store(tmp_path / "nps.db") as store:
        assert store.run()["tier"] == "fast"
        assert dict(zip(store.mentions()["response_id"], store.mentions()["theme"])) == {"a": "price", "b": "delivery"}
    with pytest.raises(ParameterError, match="OR a taxonomy"):
        tag_to_store(survey, tmp_path / "nps.db", model=folder, taxonomy="default")


def test_a_small_file_that_finds_no_segments_keeps_the_stored_ones(tmp_path, sample_head):
    db = tmp_path / "nps.db"
    tag_to_store(sample_head, db)
    small = pd.read_csv(sample_head, dtype=str, keep_default_na=False).head(3)
    small.loc[0, "comment"] = "Jetzt ist alles gut"
    small.to_csv(tmp_path / "fix.csv", index=False)
    tag_to_store(tmp_path / "fix.csv", db)  # three rows: no column looks like a segment
    with Store(db) as store:
        first = store.responses().set_index("response_id").loc[small.loc[0, "response_id"]]
    assert first["channel"] == small.loc[0, "channel"] and first["comment"] == "Jetzt ist alles gut"


def test_a_rejected_row_that_carries_a_comment_is_redacted_too(tmp_path):
    path = tmp_path / "extra.csv"  # the comment is not the last column: the overflowing row is rejected whole
    path.write_text("id,comment,score\na,gut,9\nb,schlecht, mail an anna@example.org,3\n", encoding="utf-8")
    run = tag_to_store(path, tmp_path / "nps.db")
    raw = tag_to_store(path, tmp_path / "raw.db", redact_pii=False)
    with Store(tmp_path / "nps.db") as store, Store(tmp_path / "raw.db") as unredacted:
        rejects, kept = store.rejects(run.run_id), unredacted.rejects(raw.run_id)
    assert len(rejects) == 1 and "anna@example.org" not in rejects["value"][0] and "schlecht" in rejects["value"][0]
    assert "anna@example.org" in kept["value"][0]  # --no-redact keeps what was read


def test_runs_after_a_crashed_run_keep_working(tmp_path, sample_head):
    """A killed run leaves a 'running' row with no drift; every later run must still succeed (a user's finding)."""
    db = tmp_path / "nps.db"
    tag_to_store(sample_head, db, rows=300)
    with Store(db) as store:  # what SIGKILL leaves behind: a run marked running, never finished
        store.start_run(source="x", tagger="rules", tagger_name="rules", fingerprint="f" * 64, tier=None,
                        engine="local")
    for _ in range(2):
        run = tag_to_store(sample_head, db, rows=300)
        assert run.status == "succeeded" and run.drift is not None
    with Store(db) as store:
        assert store.runs()["status"].tolist() == ["succeeded", "crashed", "succeeded", "succeeded"]


def test_a_stray_file_in_a_folder_is_rejected_whole_and_the_others_are_tagged(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a.csv").write_text("id,score,comment\nx1,9,Lieferung schnell\nx2,2,zu teuer\n", encoding="utf-8")
    (folder / "b_notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    run = tag_to_store(folder, tmp_path / "nps.db")
    assert run.status == "succeeded" and run.counts["responses_new"] == 2 and run.counts["rows_rejected"] == 1
    assert any("b_notes.csv" in example and "score column" in example for example in run.rejected_examples)
    with Store(tmp_path / "nps.db") as store:
        assert store.rejects()[["column", "value"]].values.tolist() == [["(file)", "b_notes.csv"]]
    from nps_text.errors import ColumnError
    from nps_text.io import iter_survey

    with pytest.raises(ColumnError, match=r"In '.*b_notes.csv' \(file 2 of 2\)"):
        list(iter_survey(folder))


def test_a_failed_run_of_another_tagger_does_not_hide_the_stored_mentions(tmp_path, sample_head):
    db = tmp_path / "nps.db"
    tag_to_store(sample_head, db)
    from nps_text.errors import ColumnError
    from nps_text.io import LoadOptions

    with pytest.raises(ColumnError):
        tag_to_store(sample_head, db, redact_pii=False, options=LoadOptions(score="Nope"))
    with Store(db) as store:
        assert store.runs()["status"].tolist() == ["succeeded", "failed"]
        assert len(store.mentions()) > 0  # the latest tagger is the one that tagged, not the one that failed


def test_named_segments_are_stored_for_a_small_file(tmp_path):
    from nps_text.io import LoadOptions

    survey = pd.DataFrame({"id": ["a", "b"], "score": [9, 3], "comment": ["gut", "teuer"], "Filiale": ["Köln", "Bonn"]})
    tag_to_store(survey, tmp_path / "nps.db", options=LoadOptions(segments=["Filiale"]))
    with Store(tmp_path / "nps.db") as store:
        assert store.responses()["Filiale"].tolist() == ["Köln", "Bonn"]
        assert store.load().report.segments == ["Filiale"]


def test_a_store_loads_with_the_rows_its_runs_rejected(tmp_path, sample_head):
    db = tmp_path / "nps.db"
    tag_to_store(sample_head, db)
    tag_to_store(sample_head, db)  # the same rejects recorded again: counted once
    with Store(db) as store:
        survey = store.load()
    assert survey.report.rows_rejected == Store(db).rejects(1).shape[0] > 0
    assert survey.report.rows_read == survey.report.rows_kept + survey.report.rows_rejected
