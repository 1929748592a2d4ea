from __future__ import annotations

import json

import pandas as pd
import pytest

from nps_text import load_survey
from nps_text.errors import ColumnError, ParameterError, ScoreError, SurveyFileError


def test_german_export_loads_without_arguments(german_export):
    responses, report = load_survey(german_export)
    assert report.encoding == "cp1252"
    assert report.delimiter == ";"
    assert report.columns == {"score": "Weiterempfehlung", "comment": "Begründung", "id": "Antwort-ID", "date": "Datum"}
    assert responses["score"].tolist() == [10, 9, 3, 7]  # "9,0" accepted, "zehn" rejected
    assert responses["comment"].iloc[1] == "Günstig und zuverlässig"  # umlauts survive cp1252
    assert responses["date"].iloc[0] == pd.Timestamp("2025-01-03")  # day first
    assert report.segments == ["Kundentyp"]
    assert [(r.row, r.value) for r in report.rejected] == [(6, "zehn")]
    assert report.rows_read == 5 and report.rows_kept == 4


def test_every_bad_row_is_reported(bad_rows_csv):
    responses, report = load_survey(bad_rows_csv)
    reasons = {r.row: r.reason for r in report.rejected}
    assert reasons == {
        3: "score outside the 0-10 scale",
        4: "empty score",
        5: "fractional score (NPS answers are whole numbers 0-10)",
        7: "score is not a number",
        8: "duplicate response id (first seen on row 2)",
        9: "score outside the 0-10 scale",
    }
    assert report.rows_read == report.rows_kept + report.rows_rejected
    assert responses["response_id"].tolist() == ["1", "5", "8"]
    assert responses["score"].tolist() == [9, 8, 0]
    assert responses["source_row"].tolist() == [2, 6, 10]


def test_errors_raise_names_first_bad_rows(bad_rows_csv):
    with pytest.raises(ScoreError, match=r"row 3: '11' \(score outside the 0-10 scale\); row 4"):
        load_survey(bad_rows_csv, errors="raise")


def test_empty_comments_are_kept_and_flagged(small_frame):
    responses, report = load_survey(small_frame)
    assert len(responses) == 5
    assert responses["has_comment"].tolist() == [True, True, False, True, False]
    assert report.empty_comments == 2
    assert responses["nps_group"].cat.ordered
    assert responses["nps_group"].tolist() == ["promoter", "promoter", "passive", "detractor", "detractor"]


def test_input_frame_is_not_mutated(small_frame):
    before = small_frame.copy()
    load_survey(small_frame)
    pd.testing.assert_frame_equal(small_frame, before)


def test_one_to_ten_scale_must_be_asked_for():
    frame = pd.DataFrame({"score": ["1", "10", "0"], "comment": ["a", "b", "c"]})
    responses, report = load_survey(frame, scale="1-10")
    assert responses["score"].tolist() == [1, 10]
    assert "outside the 1-10 scale" in report.rejected[0].reason
    assert load_survey(frame)[0]["score"].tolist() == [1, 10, 0]


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet", ".jsonl", ".tsv"])
def test_other_formats(tmp_path, suffix):
    frame = pd.DataFrame({"Response ID": ["x1", "x2"], "Likelihood to recommend": [9, 2],
                          "Why?": ["Great support", "Too slow"]})
    path = tmp_path / f"survey{suffix}"
    if suffix == ".xlsx":
        frame.to_excel(path, index=False, sheet_name="Answers")
    elif suffix == ".parquet":
        frame.to_parquet(path)
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_csv(path, sep="\t", index=False)
    responses, report = load_survey(path)
    assert responses["score"].tolist() == [9, 2]
    assert responses["comment"].tolist() == ["Great support", "Too slow"]
    assert responses["response_id"].tolist() == ["x1", "x2"]


def test_utf8_bom_and_latin1(tmp_path):
    text = "score;Kommentar\n9;Größe passt\n"
    (tmp_path / "bom.csv").write_bytes(text.encode("utf-8-sig"))
    (tmp_path / "latin.csv").write_bytes(text.encode("latin-1") + b"8;\x81\n")  # 0x81 undefined in cp1252
    assert load_survey(tmp_path / "bom.csv")[1].encoding == "utf-8-sig"
    responses, report = load_survey(tmp_path / "latin.csv")
    assert report.encoding == "latin-1"
    assert responses["comment"].iloc[0] == "Größe passt"


def test_excel_sheet_choice(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="Info", index=False)
        pd.DataFrame({"NPS": [10, 6], "Kommentar": ["a", "b"]}).to_excel(writer, sheet_name="Daten", index=False)
    assert load_survey(path, sheet="Daten")[0]["score"].tolist() == [10, 6]
    with pytest.raises(SurveyFileError, match=r"Sheet 'Nope' not found .* Available sheets: \['Info', 'Daten'\]"):
        load_survey(path, sheet="Nope")


def test_wrong_column_lists_available_columns(small_frame):
    # the column the loader would have found is named first (a new user's trial passed --score Bewertung)
    with pytest.raises(ColumnError, match=r"Column 'Bewertung' .* not found\. The score column looks like 'NPS': pass it, "
                                          r"or leave the option out .* Available columns: \['NPS', 'Kommentar', 'segment'\]\. "
                                          r"Pass score="):
        load_survey(small_frame, score="Bewertung")
    with pytest.raises(ColumnError, match=r"Column 'Komentar' .* not found\. Did you mean 'Kommentar'\?"):
        load_survey(small_frame.rename(columns={"Kommentar": "Anmerkung"}).assign(Kommentar=small_frame["Kommentar"]),
                    comment="Komentar")


def test_no_score_column_found():
    with pytest.raises(ColumnError, match=r"Could not find the score column .* Pass score='<column>'"):
        load_survey(pd.DataFrame({"a": ["1"], "b": ["x"]}))


def test_ambiguous_score_column():
    frame = pd.DataFrame({"NPS": ["9"], "Score": ["3"], "comment": ["x"]})
    with pytest.raises(ColumnError, match=r"More than one column could be the score column: \['NPS', 'Score'\]"):
        load_survey(frame)


def test_header_word_match_prefers_numbers():
    frame = pd.DataFrame({
        "Wie wahrscheinlich ist Ihre Weiterempfehlung?": ["9", "10"],
        "Begründung Ihrer Bewertung": ["gut", "super"],
    })
    responses, report = load_survey(frame)
    assert report.columns["score"] == "Wie wahrscheinlich ist Ihre Weiterempfehlung?"
    assert report.columns["comment"] == "Begründung Ihrer Bewertung"


@pytest.mark.parametrize("make, message", [
    (lambda p: p, r"does not exist"),
    (lambda p: (p.write_bytes(b""), p)[1], r"is empty \(0 bytes\)"),
    (lambda p: (p.write_text("score,comment\n"), p)[1], r"has a header but no data rows"),
    (lambda p: (p.with_suffix(".pdf").write_text("x"), p.with_suffix(".pdf"))[1], r"Unknown survey file type '.pdf'"),
])
def test_file_errors(tmp_path, make, message):
    with pytest.raises(SurveyFileError, match=message):
        load_survey(make(tmp_path / "s.csv"))


def test_header_only_german_export_names_its_real_columns(tmp_path):
    path = tmp_path / "leer.csv"
    path.write_bytes("Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?;Begründung;Datum\r\n".encode("cp1252"))
    with pytest.raises(SurveyFileError, match="has a header but no data rows") as info:
        load_survey(path)
    assert "['Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?', 'Begründung', 'Datum']" in str(info.value)


def test_all_scores_invalid_is_an_error():
    with pytest.raises(ScoreError, match=r"None of the 2 rows has a valid 0-10 score in column 'score'"):
        load_survey(pd.DataFrame({"score": ["gut", "schlecht"]}))


def test_parameter_errors(small_frame):
    with pytest.raises(ParameterError, match=r"scale must be one of \['0-10', '1-10'\], got '1-5'"):
        load_survey(small_frame, scale="1-5")
    with pytest.raises(ParameterError, match=r"errors must be 'report' or 'raise'"):
        load_survey(small_frame, errors="ignore")


def test_bad_dates_are_kept_with_a_warning():
    frame = pd.DataFrame({"score": ["9", "3"], "date": ["2025-03-01", "gestern"]})
    responses, report = load_survey(frame)
    assert len(responses) == 2 and pd.isna(responses["date"].iloc[1])
    assert any("could not be read" in w and "'gestern'" in w for w in report.warnings)


def test_one_to_five_rating_warns():
    responses, report = load_survey(pd.DataFrame({"score": [str(i % 5 + 1) for i in range(40)]}))
    assert any("looks like a 1-5 rating" in w for w in report.warnings)


def test_report_is_json_serialisable(bad_rows_csv):
    _, report = load_survey(bad_rows_csv)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["rows_rejected"] == 6 and data["rejected"][0]["row"] == 3
    assert list(report.rejected_frame().columns) == ["row", "column", "value", "reason"]


def test_blank_lines_keep_file_row_numbers(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("score,comment\n9,a\n\n\nzehn,b\n8,c\n")
    responses, report = load_survey(path)
    assert [(r.row, r.value) for r in report.rejected] == [(5, "zehn")]
    assert responses["source_row"].tolist() == [2, 6]
    assert report.rows_read == 3 and "Skipped 2 blank row(s)" in report.warnings[0]


@pytest.mark.parametrize("dates, expected, warns", [
    (["01/02/2025", "15/02/2025"], ["2025-02-01", "2025-02-15"], False),  # a day above 12: day first
    (["02/13/2025", "01/02/2025"], ["2025-02-13", "2025-01-02"], False),  # a month... above 12: month first
    (["01/02/2025", "03/04/2025"], ["2025-01-02", "2025-03-04"], True),   # ambiguous: US with a warning
    (["01.02.2025 14:05", "2025-03-01"], ["2025-02-01", "2025-03-01"], False),  # dotted: day first
])
def test_date_order_is_decided_on_the_whole_column(dates, expected, warns):
    responses, report = load_survey(pd.DataFrame({"score": ["9", "3"], "date": dates}))
    assert responses["date"].dt.strftime("%Y-%m-%d").tolist() == expected
    assert any("could be day/month or month/day" in w for w in report.warnings) == warns


def test_dayfirst_can_be_forced():
    responses, _ = load_survey(pd.DataFrame({"score": ["9"], "date": ["01/02/2025"]}), dayfirst=True)
    assert responses["date"].iloc[0] == pd.Timestamp("2025-02-01")


def test_excel_sep_line_and_renamed_workbook(tmp_path):
    (tmp_path / "sep.csv").write_text("sep=;\nscore;comment\n9;a,b\nx;c\n")
    responses, report = load_survey(tmp_path / "sep.csv")
    assert responses["comment"].tolist() == ["a,b"] and report.rejected[0].row == 4
    pd.DataFrame({"score": [9]}).to_excel(tmp_path / "book.xlsx", index=False)
    (tmp_path / "renamed.csv").write_bytes((tmp_path / "book.xlsx").read_bytes())
    with pytest.raises(SurveyFileError, match=r"is an Excel workbook .* Rename it to \.xlsx"):
        load_survey(tmp_path / "renamed.csv")


def test_numeric_sheet_names_and_hint_to_other_sheets(tmp_path):
    path = tmp_path / "years.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"Hinweis": ["Export"]}).to_excel(writer, sheet_name="Info", index=False)
        pd.DataFrame({"NPS": [10]}).to_excel(writer, sheet_name="2025", index=False)
        pd.DataFrame({"NPS": [3]}).to_excel(writer, sheet_name="2024", index=False)
    assert load_survey(path, sheet="2024")[0]["score"].tolist() == [3]
    assert load_survey(path, sheet=1)[0]["score"].tolist() == [10]
    with pytest.raises(ColumnError, match=r"This was sheet 'Info'; the workbook also has \['2025', '2024'\]"):
        load_survey(path)


def test_standard_german_question_headers():
    frame = pd.DataFrame({
        "Teilnehmer-Nr": ["1", "1"],
        "Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Kollegen empfehlen?": ["9", "3"],
        "Was ist der wichtigste Grund für Ihre Bewertung?": ["gut", "teuer"],
    })
    responses, report = load_survey(frame)
    assert report.columns["id"] == "Teilnehmer-Nr"
    assert report.columns["score"].startswith("Wie wahrscheinlich")
    assert report.columns["comment"].startswith("Was ist der wichtigste Grund")
    assert report.rejected[0].reason.startswith("duplicate response id")


def test_comments_are_cleaned_for_reading():
    decomposed = "Gro\u0308ße passt nicht &amp; Lieferung spa\u0308t<br/>leider\u200b"
    responses, _ = load_survey(pd.DataFrame({"score": ["3"], "comment": [decomposed]}))
    assert responses["comment"].iloc[0] == "Größe passt nicht & Lieferung spät\nleider"


def test_summary_says_empty_instead_of_none():
    _, report = load_survey(pd.DataFrame({"score": ["9", None], "comment": ["a", "b"]}))
    assert "Rejected row 2: empty score (score=empty)" in report.summary() and "None" not in report.summary()


@pytest.mark.parametrize("header", [
    "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?;Begründung",
    '"Wie wahrscheinlich ist es, dass Sie uns, Ihren Freunden oder Kollegen weiterempfehlen?";Begründung',
])
def test_header_only_file_is_not_split_at_a_comma_in_the_question(tmp_path, header):
    path = tmp_path / "leer.csv"
    path.write_bytes(f"{header}\r\n".encode("cp1252"))
    with pytest.raises(SurveyFileError, match="has a header but no data rows") as info:
        load_survey(path)
    assert f"'{header.split(';')[0].strip(chr(34))}', 'Begründung']" in str(info.value)


def test_unquoted_comma_in_the_last_column_keeps_the_row_with_a_warning(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("score,comment\n9,gut\n3,zu teuer, und langsam\n10,super,\n")
    responses, report = load_survey(path)
    assert responses["score"].tolist() == [9, 3, 10]
    assert responses["comment"].tolist() == ["gut", "zu teuer, und langsam", "super"]  # trailing ',' loses nothing
    assert report.rows_rejected == 0
    assert any("1 row(s) had more fields than the header's 2 (row 3)" in w and "kept as part of the comment" in w
               for w in report.warnings)


def test_a_ragged_row_is_rejected_alone_when_it_cannot_be_matched_to_columns(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("id;comment;score\n1;gut;9\n2;teuer;zu teuer;3\n3;ok;7\n")
    responses, report = load_survey(path)
    assert responses["response_id"].tolist() == ["1", "3"]
    assert [(r.row, r.column) for r in report.rejected] == [(3, "(whole row)")]
    assert "the row has 4 fields but the header has 3" in report.rejected[0].reason
    assert report.rows_read == report.rows_kept + report.rows_rejected


@pytest.mark.parametrize("text", ['score,comment\n9,gut\n3,"zu teuer\n7,ok\n8,fein\n',  # never closes
                                  'score,comment\n9,gut\n3,"zu teuer\n7,ok\n8,"fein"\n'])  # closes rows later
def test_a_broken_quote_swallows_no_rows(tmp_path, text):
    path = tmp_path / "s.csv"
    path.write_text(text)
    responses, report = load_survey(path)
    assert responses["score"].tolist() == [9, 3, 7, 8]
    assert responses["comment"].tolist() == ["gut", '"zu teuer', "ok", "fein"]
    assert any("1 row(s) hold a quote that does not close where it should (row 3)" in w for w in report.warnings)


def test_a_stray_quote_inside_a_value_is_read_as_written(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text('score,comment\n9,sehr "gut" sogar\n3,"teuer" aber ok\n')
    responses, _ = load_survey(path)
    assert responses["comment"].tolist() == ['sehr "gut" sogar', '"teuer" aber ok']  # as written


@pytest.mark.parametrize("payload", [bytes(range(256)) * 40, b"\x89PNG\r\n\x1a\n" + bytes(200)])
def test_a_binary_file_is_not_called_a_parse_error(tmp_path, payload):
    path = tmp_path / "export.csv"
    path.write_bytes(payload)
    with pytest.raises(SurveyFileError, match=r"is not a text or spreadsheet export: it holds binary data"):
        load_survey(path)


def test_utf16_exports_are_text_not_binary(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("score\tcomment\n9\tgut\n", encoding="utf-16")
    responses, _ = load_survey(path)
    assert responses["comment"].tolist() == ["gut"]


def test_unicode_line_separators_inside_a_comment_do_not_split_its_row(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("score,comment\n9,gut\u2028sehr gut\x0cja\n3,schlecht\n", encoding="utf-8")
    responses, report = load_survey(path)
    assert responses["score"].tolist() == [9, 3] and report.rows_rejected == 0


def test_a_misspelt_segment_gets_the_closest_column():
    from nps_text.errors import ColumnError
    from nps_text.io.load import resolve_segments

    survey = pd.DataFrame({"score": [9, 3], "Kanal": ["a", "b"], "Team": ["x", "y"]})
    with pytest.raises(ColumnError, match=r"'Kanall' not found\. Did you mean 'Kanal'\?"):
        resolve_segments(survey, ["Kanall"])
