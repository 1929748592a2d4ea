"""``nps-text evaluate``: precision, recall and F1 of a saved model on labelled comments."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from ..io.export import neutralise_formulas
from .app import (
    Command,
    Format,
    LabelledSheetOpt,
    LabelsOpt,
    TextOpt,
    app,
    err,
    out,
    user_errors,
)


@app.command(cls=Command)
@user_errors
def evaluate(
    labelled: Annotated[Path, typer.Argument(metavar="LABELLED", help="CSV/XLSX, Label Studio JSON or doccano JSONL.")],
    model: Annotated[Path, typer.Option("--model", metavar="DIR", help="A trained model folder.")],
    text: TextOpt = "text",
    labels: LabelsOpt = ["labels"],  # noqa: B006 - typer default
    sheet: LabelledSheetOpt = None,
    format: Annotated[Format, typer.Option("--format", help="table, json, or csv (one row per theme, then micro and macro).")] = Format.table,  # noqa: A002
) -> None:
    """Precision, recall and F1 (micro, macro, per theme) of a saved model on labelled comments."""
    from ..tagging import ThemeClassifier
    from ..tagging.training import evaluate as score_labels
    from ..tagging.training import micro_f1_interval, read_labelled, trained_on

    classifier = ThemeClassifier.load(model)  # a wrong model folder is the first thing to report
    texts, gold = read_labelled(labelled, text=text, labels=labels[0] if len(labels) == 1 else labels, sheet=sheet)
    predicted = classifier.predict_labels(texts)
    metrics = score_labels(gold, predicted)
    if trained_on(classifier, texts, gold):
        err.print(f"Warning: {labelled.name} is the data this model was trained on, so these scores are optimistic; "
                  "evaluate on held-out comments, or see the out-of-fold or cross-validated metrics in the model's card.json.",
                  highlight=False, soft_wrap=True)
    unknown = sorted({t for row in gold for t in row} - set(classifier.classes_.tolist()))
    if unknown:
        err.print(f"Warning: labels {unknown} in {labelled.name} are not themes of this model "
                  f"({classifier.classes_.tolist()}; names are case-sensitive), so they count as missed. Rename them "
                  "to the model's themes, or train a model on them.", highlight=False, soft_wrap=True)
    interval = {k: v for k, v in micro_f1_interval(gold, predicted).items() if k != "f1"}
    if format is Format.json:
        sys.stdout.write(json.dumps({**metrics, "micro_f1_interval": interval}, indent=2) + "\n")
        return
    if format is Format.csv:
        rows = [{"theme": theme, **row} for theme, row in metrics["per_label"].items()]
        rows += [{"theme": name, **metrics[name], "support": None} for name in ("micro", "macro")]
        frame = pd.DataFrame(rows).astype({"support": "Int64"})  # whole numbers, blank for micro and macro
        neutralise_formulas(frame).to_csv(sys.stdout, index=False)
        return
    table = Table(title=f"{metrics['n']} labelled texts", title_justify="left")
    for column in ("theme", "precision", "recall", "f1", "support"):
        table.add_column(column, justify="left" if column == "theme" else "right")
    for theme, row in metrics["per_label"].items():
        table.add_row(theme, *(f"{row[k]:.3f}" for k in ("precision", "recall", "f1")), str(row["support"]))
    for name in ("micro", "macro"):
        table.add_row(f"[bold]{name}[/]", *(f"{metrics[name][k]:.3f}" for k in ("precision", "recall", "f1")), "")
    table.caption = (f"micro-F1 {interval['level']:.0%} interval {interval['low']:.3f} … {interval['high']:.3f} "
                     f"(bootstrap over the {metrics['n']} texts)")
    table.caption_justify = "left"
    out.print(table)
