"""``nps-text train``: train a theme classifier on labelled comments and save it with its model card."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console

from ..errors import ParameterError
from .app import (
    Command,
    LabelledSheetOpt,
    LabelsOpt,
    SeedOpt,
    TextOpt,
    app,
    err,
    out,
    user_errors,
)
from .render import _duration

_STAGE_LABELS = {"cross-validation": "cross-validation (folds)", "embedding": "embedding texts",
                 "fitting": "fitting classifier heads", "fine-tuning": "fine-tuning e5"}


class _TrainingProgress:
    """Progress bars with an ETA on stderr, one per stage the library reports (it never draws them itself)."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bars = Progress(TextColumn("{task.description:<26}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console)
        self.tasks: dict[str, Any] = {}
        self.done: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bars.add_task(_STAGE_LABELS.get(stage, stage), total=total, completed=done)
        elif done < self.done[stage]:  # the stage starts again (in the next cross-validation fold)
            self.bars.reset(self.tasks[stage], total=total, completed=done)
        else:
            self.bars.update(self.tasks[stage], total=total, completed=done)
        self.done[stage] = done

    def __enter__(self) -> _TrainingProgress:  # noqa: PYI034 - a private class, never subclassed
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.stop()


def _check_training_options(*, fine_tune_layers: int, blend_linear: float, max_length: int, fine_tune_folds: int,
                            fine_tune_members: int) -> None:
    """Refuse options that only make sense with fine-tuning, saying first when a value is out of range anyway
    (with --fine-tune-layers the library checks the values, knowing the data)."""
    checks = [  # (option, value, set?, what it does, valid?, what is valid)
        ("--max-length", max_length, max_length != 64, "only the fine-tuned encoder cuts texts to a number of tokens",
         max_length >= 8, "at least 8 tokens"),
        ("--fine-tune-folds", fine_tune_folds, bool(fine_tune_folds), "it tunes the cut-offs of a fine-tuned classifier",
         fine_tune_folds == 0 or fine_tune_folds >= 2, "0 (fixed cut-offs) or 2 or more folds"),
        ("--fine-tune-members", fine_tune_members, fine_tune_members != 1, "it averages several fine-tuned classifiers",
         1 <= fine_tune_members <= 20, "between 1 and 20 (1: one fine-tuned model; 2 or more: an ensemble)"),
        ("--blend-linear", f"{blend_linear:g}", bool(blend_linear),
         "it weighs the embeddings + TF-IDF classifier against a fine-tuned one", 0.0 <= blend_linear <= 1.0,
         "a weight between 0 and 1")]
    for option, value, given, why, valid, expected in checks:
        if given and not fine_tune_layers:
            if not valid:
                raise ParameterError(f"{option} must be {expected}, got {value}.")
            raise ParameterError(f"{option} {value} needs --fine-tune-layers K: {why}. Add --fine-tune-layers 4, or drop it.")


@app.command(cls=Command)
@user_errors
def train(
    labelled: Annotated[Path, typer.Argument(metavar="LABELLED", help="CSV/XLSX, Label Studio JSON or doccano JSONL.")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="DIR", help="Folder for the model.")],
    text: TextOpt = "text",
    labels: LabelsOpt = ["labels"],  # noqa: B006 - typer default
    sheet: LabelledSheetOpt = None,
    embedder: Annotated[str, typer.Option("--embedder", metavar="NAME", help="Embedding backend (e5, minilm, static, hashing, ...).")] = "e5",
    folds: Annotated[int, typer.Option(
        "--folds", metavar="K", help="Metrics in the model card. 0: from the out-of-fold predictions the classifier "
        "makes anyway while it tunes itself (no extra fits). K >= 2: a K-fold cross-validation of the whole "
        "training (K more fits: about K+1 times as long).")] = 0,
    seed: SeedOpt = 0,
    fine_tune_layers: Annotated[int, typer.Option(
        "--fine-tune-layers", metavar="K", help="Fine-tune the top K layers of e5 (more accurate; minutes of CPU per fit, "
        "once more per --folds). 0: embeddings + TF-IDF only.")] = 0,
    blend_linear: Annotated[float, typer.Option(
        "--blend-linear", metavar="0..1", help="With --fine-tune-layers: weight (0-1) of the embeddings + TF-IDF classifier "
        "averaged into the fine-tuned one.")] = 0.0,
    max_length: Annotated[int, typer.Option("--max-length", metavar="N", help="Tokens per text the fine-tuned encoder reads.")] = 64,
    fine_tune_folds: Annotated[int, typer.Option(
        "--fine-tune-folds", metavar="K", help="With --fine-tune-layers: also fine-tune on K folds (2 or more) to tune "
        "each theme's cut-off on out-of-fold probabilities; about K-1 more fine-tunes. 0: fixed cut-offs.")] = 0,
    fine_tune_members: Annotated[int, typer.Option(
        "--fine-tune-members", metavar="M", help="With --fine-tune-layers: fine-tune M times with seeds SEED, SEED+1, "
        "... and average them (an ensemble); about M-1 more fine-tunes. 1: one.")] = 1,
    progress: Annotated[Optional[bool], typer.Option(
        "--progress/--no-progress", metavar=" ", help="Progress bars with the time left, on stderr. Default: when "
        "stderr is a terminal.", show_default=False)] = None,
) -> None:
    """Train a theme classifier on labelled comments and save it (JSON + .npy/safetensors, no pickle).

    The model card (card.json) carries its metrics and says how they were made: by default from
    the classifier's own out-of-fold predictions, with --folds K from a K-fold cross-validation.
    """
    from ..tagging.training import read_labelled
    from ..tagging.training import train as train_model

    _check_training_options(fine_tune_layers=fine_tune_layers, blend_linear=blend_linear,
                            max_length=max_length, fine_tune_folds=fine_tune_folds, fine_tune_members=fine_tune_members)
    texts, label_lists = read_labelled(labelled, text=text, labels=labels[0] if len(labels) == 1 else labels, sheet=sheet)
    started = time.perf_counter()
    bars = _TrainingProgress(err) if (progress if progress is not None else err.is_terminal) else None
    with bars or contextlib.nullcontext():
        model = train_model(texts, label_lists, output, embedder=embedder, folds=folds, seed=seed, progress=bars,
                            fine_tune_layers=fine_tune_layers, blend_linear=blend_linear, max_length=max_length,
                            fine_tune_folds=fine_tune_folds, fine_tune_members=fine_tune_members)
    took = _duration(time.perf_counter() - started)
    if len(model.classes_) == 1:
        err.print(f"Warning: every label in {labelled.name} is the one theme {model.classes_[0]!r}, so the model can only "
                  "say whether a comment is about it. If rows hold several themes, separate them with '|' or ';' "
                  "(or pass one 0/1 column per theme with --labels).", highlight=False, soft_wrap=True)
    metrics = json.loads((output / "card.json").read_text(encoding="utf-8"))["metrics"]
    if metrics["method"] == "cross-validation":
        scored = f"; {folds}-fold cross-validated micro-F1 {metrics['cross_validated']['micro']['f1']:.3f}"
    elif metrics["method"] == "out-of-fold":
        scored = (f"; out-of-fold micro-F1 {metrics['out_of_fold']['micro']['f1']:.3f} (from its own "
                  f"{metrics['inner_folds']}-fold tuning; --folds K for a full cross-validation)")
    else:
        scored = ""
    out.print(f"Trained on {len(texts)} texts, {len(model.classes_)} themes in {took}; saved to {output}/{scored}",
              highlight=False)
    if metrics["method"] == "none":
        err.print("No metrics in the model card: this model has no out-of-fold predictions (a fine-tuned one has them "
                  "only with --fine-tune-folds K; fewer than 10 labelled texts give none). Pass --folds K for a "
                  "cross-validation.", highlight=False, soft_wrap=True)
