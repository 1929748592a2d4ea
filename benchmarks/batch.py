"""The nightly batch job (``tag_to_store``) at scale: speed, memory, where the time goes, and each tier's quality.

    python benchmarks/batch.py [--sizes 10000,100000] [--tiers rules,fast,quality] [--dbs sqlite,postgres]
                               [--large-sizes 1000000 --large-tiers fast] [--dask-sizes 10000,100000]
                               [--quality-rows 10000] [--profile-size 10000] [--shared ../shared/benchmarks]
                               [--work /tmp/nps-batch-bench] [--no-f1]

Data: synthetic surveys from ``benchmarks/batch_data.py`` (German and English comments written by
us from templates: ~20 % empty, short, medium and long; rows and their shares are in the JSON),
one CSV per size, streamed by the job in pieces of 5,000 rows (the default).

Taggers (tiers):

* ``rules``: the keyword rules on the bundled default taxonomy (no model);
* ``fast``: a ThemeClassifier trained with the ``static`` encoder (model2vec distilled from e5)
  on the project's own sample (``data/sample_survey.csv`` + ``data/sample_truth.csv``, the
  NPS themes of the default taxonomy) with ``nps_text.tagging.training.train`` defaults;
* ``fast-cached``: the fast model saved with ``cache=True`` (what `nps-text train` saves), so
  tagging also writes every new clause's vector to the embedding cache (its size is recorded);
* ``quality``: the same training with ``e5``. e5 encodes only a few dozen sentences per
  second on this CPU, so it runs at one small size only (``--quality-rows``).

Each job runs in its own subprocess (``python batch.py --worker ...``), so its peak RSS
(``ru_maxrss``, interpreter and libraries included) is its own; for the Dask engine the peak of
the summed RSS of the job and its worker processes is sampled every 0.2 s. Every run starts from
an empty store (a new SQLite file; a new database on a throwaway PostgreSQL 15 server started with
``tests/_postgres.py``, which runs with fsync=off and synchronous_commit=off, so PostgreSQL
figures are an upper bound for a durable server; the server's CPU time is recorded separately)
and an empty embedding cache (the model folders are linked in), so nothing is reused from an
earlier run. Speeds: ``rows_per_s`` = rows read / seconds of the ``tag_to_store`` call (tagger
loading, store set-up and the drift report included; Python start and imports not: they are
``process_s``); ``comments_per_s`` counts only rows with a non-empty comment.

Where the time goes: every local run wraps the job's stages with timers (reading + loading the
pieces, the ledger's plan, ``prepare_text``, the theme tagger, the rest of tagging, writing the
piece, the drift tally, the drift report), and one run per tier at ``--profile-size`` on SQLite
is repeated under cProfile (top cumulative entries; cProfile slows Python code, so use its
shares, not its seconds).

Quality: micro-F1 of each model tier on SemEval-14 restaurants (train -> test) and GermEval-17
(5-fold CV of the dev split), computed with benchmarks/tagging.py's own functions (``semeval`` and
``germeval`` with ``fine_tune_layers=0``: the same protocol and folds as its "classifier" entry).
The fast tier is trained and scored here; the quality tier's (e5) figures are read from
benchmarks/tagging.json (its GermEval cross-validation alone took well over an hour here), unless
``--rerun-quality-f1``. The rules tier has no rules for those datasets' categories, so its F1 is
given on the project's own sample against sample_truth.csv instead (with the two models'
out-of-fold F1 from their model cards on the same data).

Writes benchmarks/batch.json (sections are kept when a later invocation skips them; ``commands``
lists every invocation; each run records its commit), derives ``growth``, ``dask_vs_local``,
``where_time_goes`` (stage shares) and ``targets`` (the issue's fast-tier targets, met or not), and
prints markdown tables; ``--summarise-only`` recomputes those from batch.json without running.

The measured figures (2 shared cores, 2026-12-06) came from

    python benchmarks/batch.py --sizes 10000,100000 --machine-shared
    python benchmarks/batch.py --sizes 10000,100000 --tiers fast-cached --dbs sqlite \
        --large-sizes 1000000 --large-tiers fast --dask-sizes '' --profile-size 0 --no-f1 --machine-shared
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "batch.json"
sys.path.insert(0, str(HERE))
from _args import cpu_model, sample_gold  # noqa: E402


# =============================================================================================== worker side
class _Timers:
    """Seconds and calls per stage, filled by wrappers around the job's functions (local engine only)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        self.calls[name] = self.calls.get(name, 0) + 1

    def wrap(self, name: str, function):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - start)
        return timed

    def wrap_iterator(self, name: str, function):
        def timed(*args, **kwargs):
            iterator = iter(function(*args, **kwargs))
            while True:
                start = time.perf_counter()
                try:
                    item = next(iterator)
                except StopIteration:
                    self.add(name, time.perf_counter() - start)
                    return
                self.add(name, time.perf_counter() - start)
                yield item
        return timed


def _install_timers(timers: _Timers) -> None:
    """Wrap the stages of nps_text.batch (in this worker process only; the library is not changed)."""
    from nps_text.batch import job, tagger
    from nps_text.store import Store
    from nps_text.tagging import classifier

    job.iter_survey = timers.wrap_iterator("read_load", job.iter_survey)
    job.loaded = timers.wrap("load_tagger", job.loaded)
    job.comment_hash = timers.wrap("comment_hash", job.comment_hash)
    Store.plan = timers.wrap("ledger_plan", Store.plan)
    Store.write_piece = timers.wrap("write_piece", Store.write_piece)
    job.RunTally.add = timers.wrap("drift_tally", job.RunTally.add)
    job._Job.drift = timers.wrap("drift_report", job._Job.drift)
    tagger.prepare_text = timers.wrap("prepare_text", tagger.prepare_text)
    tagger.PieceTagger.tag = timers.wrap("tag_piece", tagger.PieceTagger.tag)
    classifier.embed = timers.wrap("embed", classifier.embed)  # inside the classifier's tag
    init = tagger.PieceTagger.__init__

    def patched_init(self, spec):
        init(self, spec)
        self.tagger.tag = timers.wrap("tag_themes", self.tagger.tag)

    tagger.PieceTagger.__init__ = patched_init


def _tree_rss() -> float:
    import psutil

    me = psutil.Process()
    total = 0
    for process in [me, *me.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    return total


def _worker(config: dict) -> None:
    """One job: tag ``config['source']`` into ``config['db']``; write a JSON result to ``config['result']``."""
    started = time.perf_counter()
    peak_tree = {"bytes": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            with contextlib.suppress(Exception):
                peak_tree["bytes"] = max(peak_tree["bytes"], _tree_rss())
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    import nps_text.batch.job  # noqa: F401
    from nps_text.batch import tag_to_store  # noqa: F401 (import time is part of process_s)
    timers = _Timers()
    if config["engine"] == "local":
        _install_timers(timers)
    from nps_text.batch import tag_to_store as run_job
    imported = time.perf_counter()
    rss_after_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kwargs = {"model": config.get("model"), "rows": config.get("rows", 5000), "engine": config["engine"],
              "workers": config.get("workers", 2)}
    profile = None
    if config.get("cprofile"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    t0, c0 = time.perf_counter(), time.process_time()
    run = run_job(config["source"], config["db"], **kwargs)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    if profile is not None:
        profile.disable()
    stop.set()
    self_usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {"run": {k: v for k, v in run.to_dict().items() if k != "drift"},
              "drift_untagged_share": (run.drift or {}).get("untagged_share"),
              "job_s": round(seconds, 3), "job_cpu_s_main_process": round(cpu, 2),
              "imports_s": round(imported - started, 2), "process_s": round(time.perf_counter() - started, 2),
              "cpu_s_children": round(children.ru_utime + children.ru_stime, 2),
              "peak_rss_mb": round(self_usage.ru_maxrss / 1024, 1),
              "rss_after_imports_mb": round(rss_after_import, 1),
              "peak_tree_rss_mb_sampled": round(peak_tree["bytes"] / 2**20, 1)}
    if timers.seconds:
        result["stages_s"] = {k: round(v, 3) for k, v in sorted(timers.seconds.items(), key=lambda kv: -kv[1])}
        result["stage_calls"] = timers.calls
    if profile is not None:
        import io
        import pstats

        text = io.StringIO()
        stats = pstats.Stats(profile, stream=text)
        stats.sort_stats("cumulative").print_stats(45)
        result["cprofile_top_cumulative"] = _pstats_rows(stats, "cumulative", 45)
        result["cprofile_top_tottime"] = _pstats_rows(stats, "tottime", 30)
    Path(config["result"]).write_text(json.dumps(result, indent=1))


def _pstats_rows(stats, key: str, limit: int) -> list[dict]:
    rows = []
    entries = stats.stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    order = sorted(entries.items(), key=lambda kv: -(kv[1][3] if key == "cumulative" else kv[1][2]))
    for (file, line, name), (cc, nc, tt, ct, _callers) in order[:limit]:
        short = file.replace(str(ROOT) + "/", "")
        if "site-packages/" in short:
            short = short.split("site-packages/", 1)[1]
        rows.append({"function": f"{short}:{line}({name})", "calls": nc, "tottime_s": round(tt, 2),
                     "cumtime_s": round(ct, 2)})
    return rows


def _train_worker(config: dict) -> None:
    """Train a tier's model on the project's sample (NPS themes) and save it; timings to config['result']."""
    import pandas as pd

    from nps_text.io.load import load_survey
    from nps_text.tagging.training import train

    responses = load_survey(ROOT / "data" / "sample_survey.csv").responses
    truth = pd.read_csv(ROOT / "data" / "sample_truth.csv")
    themes = dict(zip(truth["response_id"], truth["themes"].fillna("")))
    frame = responses[responses["comment"].fillna("").str.strip().str.len() > 1]
    texts = frame["comment"].astype(str).tolist()
    labels = [[t for t in themes.get(i, "").split("|") if t] for i in frame["response_id"]]
    t0, c0 = time.perf_counter(), time.process_time()
    # cache: the model's own embedding-cache setting, saved in it and used when it tags (the CLI's
    # `nps-text train` leaves it at True); training itself runs with an empty cache folder
    train(texts, labels, config["output"], embedder=config["embedder"], cache=config.get("cache", False))
    card = json.loads((Path(config["output"]) / "card.json").read_text())
    metrics = card["metrics"]
    scores = metrics.get("out_of_fold") or metrics.get("cross_validated") or {}
    Path(config["result"]).write_text(json.dumps({
        "embedder": config["embedder"], "n_train_texts": len(texts), "train_wall_s": round(time.perf_counter() - t0, 1),
        "train_cpu_s": round(time.process_time() - c0, 1), "card_metrics_method": metrics.get("method"),
        "card_micro": scores.get("micro"),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


def _f1_worker(config: dict) -> None:
    """micro-F1 of ThemeClassifier(embedder) on SemEval-14 and GermEval-17 with benchmarks/tagging.py's functions."""
    import tagging

    shared, embedder = Path(config["shared"]), config["embedder"]
    out: dict = {"embedder": embedder}
    t0 = time.perf_counter()
    semeval = tagging.semeval(shared, embedder, 0, 0.0)
    out["semeval14_restaurants"] = {"classifier": semeval["classifier"], "tfidf_svm": semeval["tfidf_svm"],
                                    "wall_s": round(time.perf_counter() - t0, 1)}
    Path(config["result"]).write_text(json.dumps(out))  # kept if GermEval does not finish
    t1 = time.perf_counter()
    germeval = tagging.germeval(shared, embedder, 0, 0.0)
    out["germeval17"] = {"classifier": germeval["classifier"], "tfidf_svm": germeval["tfidf_svm"],
                         "folds": germeval["folds"], "train_wall_s_all_folds": germeval["train_wall_s_all_folds"],
                         "wall_s": round(time.perf_counter() - t1, 1)}
    Path(config["result"]).write_text(json.dumps(out))


def _rules_sample_worker(config: dict) -> None:
    """Response-level micro-F1 of the rules tagger on the sample's 8 planted themes (as tagging.py's sample_zero_shot)."""

    from nps_text.tagging import get_tagger
    from nps_text.tagging.training import evaluate

    sentences, planted, ids, gold = sample_gold()
    found = get_tagger("rules").tag(sentences).groupby("response_id")["theme"].apply(set)
    predicted = [sorted(found.get(i, set()) & planted) for i in ids]
    Path(config["result"]).write_text(json.dumps({"n_responses": len(ids), "planted_themes": sorted(planted),
                                                  "micro": evaluate(gold, predicted)["micro"]}))


WORKERS = {"job": _worker, "train": _train_worker, "f1": _f1_worker, "rules_sample": _rules_sample_worker}


# =============================================================================================== driver side
def _git(*args: str) -> str:
    return subprocess.run(["git", *args], check=False, cwd=ROOT, capture_output=True, text=True).stdout.strip()


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("nps-text", "pandas", "numpy", "scikit-learn", "sqlalchemy", "psycopg", "pyarrow", "model2vec",
                 "dask", "distributed", "spacy", "simplemma"):
        with contextlib.suppress(PackageNotFoundError):
            out[name] = version(name)
    return out


def _postgres_version() -> str | None:
    with contextlib.suppress(Exception):
        sys.path.insert(0, str(ROOT / "tests"))
        from _postgres import find_bindir

        return subprocess.run([str(find_bindir() / "postgres"), "--version"], check=False, capture_output=True,
                              text=True).stdout.strip()
    return None


def _spawn(kind: str, config: dict, *, timeout: float, log: Path) -> dict:
    """Run one worker in a fresh `nice` subprocess; its JSON result, or an error entry."""
    result = Path(tempfile.mkstemp(suffix=".json", dir=config.get("tmp"))[1])
    config = {**config, "result": str(result)}
    command = ["nice", "-n", "5", sys.executable, str(Path(__file__).resolve()), "--worker", kind, json.dumps(config)]
    env = {**os.environ, **config.get("env", {}), "HF_HUB_OFFLINE": "1", "PYTHONWARNINGS": "ignore"}
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with log.open("a") as handle:
        handle.write(f"\n=== {kind} {json.dumps(config)}\n")
        handle.flush()
        try:
            done = subprocess.run(command, check=False, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                  timeout=timeout)
            rc: int | str = done.returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        data = json.loads(result.read_text()) if result.stat().st_size else {}
    finally:
        result.unlink(missing_ok=True)
    data.setdefault("subprocess_wall_s", round(wall, 1))
    data.setdefault("subprocess_cpu_s", round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1))
    if rc != 0:
        data["error"] = f"exit {rc} (see the log {log})"
        with contextlib.suppress(OSError):
            data["log_tail"] = log.read_text().splitlines()[-15:]
    return data


class _Postgres:
    """The throwaway server of tests/_postgres.py, one fresh database per run, and its CPU time."""

    def __init__(self) -> None:
        self.stack = contextlib.ExitStack()
        self.url: str | None = None
        self.error: str | None = None

    def __enter__(self) -> _Postgres:  # noqa: PYI034
        try:
            sys.path.insert(0, str(ROOT / "tests"))
            from _postgres import postgres_cluster

            self.url = self.stack.enter_context(postgres_cluster())
        except Exception as exc:  # noqa: BLE001 - no binaries here: the SQLite runs still happen
            self.error = f"{type(exc).__name__}: {exc}"
        return self

    def __exit__(self, *exc) -> None:
        self.stack.close()

    def cpu_seconds(self) -> float | None:
        """User+system seconds of the server (postmaster, its live and its finished children)."""
        import psutil
        from sqlalchemy.engine import make_url

        port = make_url(self.url).port
        for process in psutil.process_iter(["name", "cmdline"]):
            if process.info["name"] == "postgres" and f"-p {port}" in " ".join(process.info["cmdline"] or []):
                times = process.cpu_times()
                total = times.user + times.system + times.children_user + times.children_system
                for child in process.children():
                    with contextlib.suppress(psutil.Error):
                        child_times = child.cpu_times()
                        total += child_times.user + child_times.system
                return total
        return None

    def fresh(self) -> str:
        from _postgres import fresh_database

        return fresh_database(self.url)

    @staticmethod
    def size_mb(url: str) -> float | None:
        with contextlib.suppress(Exception):
            import sqlalchemy as sa

            engine = sa.create_engine(url)
            with engine.connect() as conn:
                size = conn.execute(sa.text("select pg_database_size(current_database())")).scalar()
            engine.dispose()
            return round(size / 2**20, 1)
        return None

    @staticmethod
    def drop(url: str) -> None:
        from _postgres import drop_database

        with contextlib.suppress(Exception):
            drop_database(url)


def _data_file(work: Path, n: int, seed: int, log) -> tuple[Path, dict]:
    import batch_data

    path = work / "data" / f"survey_{n}_seed{seed}.csv"
    info_path = path.with_suffix(".info.json")
    if not path.exists() or not info_path.exists():
        t0 = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        batch_data.write_csv(tmp, n, seed=seed)
        tmp.rename(path)
        info = {"generate_s": round(time.perf_counter() - t0, 1), "file_mb": round(path.stat().st_size / 2**20, 1),
                **batch_data.describe(path)}
        info_path.write_text(json.dumps(info))
        log(f"generated {path} in {info['generate_s']} s")
    return path, json.loads(info_path.read_text())


def _cache_dir(work: Path) -> Path:
    """An empty embedding cache for one run, with the built models linked in (so nothing is rebuilt)."""
    from nps_text.embed.cache import default_cache_dir

    folder = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
    models = default_cache_dir() / "models"
    if models.exists():
        (folder / "models").symlink_to(models)
    return folder


def _static_available() -> bool:
    from nps_text.embed.model_build import static_model_dir

    return (static_model_dir("e5") / "config.json").exists() or any(static_model_dir("e5").glob("*"))


def _rate(rows: int, seconds: float | None) -> float | None:
    return round(rows / seconds, 1) if seconds else None


def _summarise(entry: dict, info: dict) -> dict:
    """The figures the table needs, from one job's raw result."""
    run = entry.get("run", {})
    rows = run.get("rows_read", 0)
    non_empty = rows * (1 - info.get("empty_or_placeholder", 0.0))
    out = {"rows": rows, "job_s": entry.get("job_s"), "rows_per_s": _rate(rows, entry.get("job_s")),
           "comments_per_s": _rate(int(non_empty), entry.get("job_s")),
           "rows_per_s_incl_python_start": _rate(rows, entry.get("process_s")),
           "peak_rss_mb": entry.get("peak_rss_mb"), "status": run.get("status"),
           "mentions": run.get("mentions_written"), "rejected": run.get("rows_rejected")}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated row counts for every tier and store")
    parser.add_argument("--tiers", default="rules,fast,quality")
    parser.add_argument("--dbs", default="sqlite,postgres")
    parser.add_argument("--large-sizes", default="", help="sizes run only for --large-tiers on SQLite (e.g. 1000000)")
    parser.add_argument("--large-tiers", default="fast")
    parser.add_argument("--dask-sizes", default="10000,100000", help="Dask engine (2-worker LocalCluster), SQLite")
    parser.add_argument("--dask-tiers", default="fast")
    parser.add_argument("--quality-rows", type=int, default=10000, help="the quality tier's one size (SQLite)")
    parser.add_argument("--profile-size", type=int, default=10000, help="size of the cProfile run per tier (0: none)")
    parser.add_argument("--profile-tiers", default="rules,fast")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "nps-batch-bench",
                        help="data files, models and stores (kept between invocations: data and models are reused)")
    parser.add_argument("--no-f1", action="store_true", help="skip the F1 section (kept from an earlier run)")
    parser.add_argument("--rerun-quality-f1", action="store_true", help="train/score e5 here too (hours)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per job")
    parser.add_argument("--machine-shared", action="store_true", help="say that other jobs shared the CPUs")
    parser.add_argument("--summarise-only", action="store_true",
                        help="recompute growth, targets and stage shares from batch.json and print the tables")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        WORKERS[args.worker[0]](json.loads(args.worker[1]))
        return
    if args.summarise_only:
        result = json.loads(OUT.read_text())
        _derive(result)
        OUT.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        print(markdown(result))
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    work = args.work.resolve()
    (work / "data").mkdir(parents=True, exist_ok=True)
    logfile = work / "batch_bench.log"
    ints = lambda text: [int(x) for x in text.split(",") if x.strip()]
    words = lambda text: [x.strip() for x in text.split(",") if x.strip()]
    sizes, large, dask_sizes = ints(args.sizes), ints(args.large_sizes), ints(args.dask_sizes)
    tiers, dbs = words(args.tiers), words(args.dbs)

    def log(message: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {message}"
        print(line, flush=True)
        with logfile.open("a") as handle:
            handle.write(line + "\n")

    result = json.loads(OUT.read_text()) if OUT.exists() else {}
    t_all = time.perf_counter()
    command = "python benchmarks/batch.py " + shlex.join(sys.argv[1:])
    result["commands"] = [c for c in result.get("commands", []) if c != command] + [command]
    result.update({
        "machine": {"cores": os.cpu_count(), "cpu_model": cpu_model(), "memory_gb": round(
            os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "load_average_1m_at_start": round(os.getloadavg()[0], 2), "machine_shared": args.machine_shared,
            "platform": platform.platform()},
        "versions": {**_versions(), "postgresql": _postgres_version()},
        "commit": _git("rev-parse", "--short", "HEAD") + ("+changes" if _git("status", "--porcelain", "nps_text")
                                                          else ""),
        "how": {k: v for k, v in {
            "data": "benchmarks/batch_data.py: synthetic German/English NPS comments from templates (see data)",
            "piece_rows": 5000, "redact_pii": True,
            "rows_per_s": "rows read / seconds of the tag_to_store call (tagger load, store set-up, drift report "
                          "included; Python start and imports not)",
            "comments_per_s": "the same, counting only rows with a non-empty, non-placeholder comment",
            "peak_rss_mb": "ru_maxrss of the job's own subprocess (local engine); for Dask the sampled peak of "
                           "the summed RSS of the job and its worker processes",
            "stores": "a new SQLite file / a new PostgreSQL database per run; PostgreSQL runs with fsync=off, "
                      "synchronous_commit=off (tests/_postgres.py), on the same 2 cores",
            "embedding_cache": "empty per run (NPS_TEXT_CACHE_DIR set to a new folder)",
            "nice": "jobs run under nice -n 5, one at a time"}.items()},
    })
    runs = result.setdefault("runs", {})
    data_info = result.setdefault("data", {})

    # ------------------------------------------------------------------ models
    models = result.setdefault("models", {})
    model_dir = work / "models"
    model_dir.mkdir(exist_ok=True)
    embedders = {"fast": "static", "fast-cached": "static", "quality": "e5"}
    needed = set(tiers) | ({t for t in words(args.large_tiers)} if large else set()) | (
        set(words(args.dask_tiers)) if dask_sizes else set())
    paths: dict[str, str | None] = {"rules": None}
    for tier in ("fast", "fast-cached", "quality"):
        if tier not in needed:
            continue
        if tier.startswith("fast") and not _static_available():
            models[tier] = {"error": "the static model is not built: run python models/build.py static"}
            continue
        folder = model_dir / f"{tier}-{embedders[tier]}"
        if not (folder / "card.json").exists():
            log(f"training the {tier} model ({embedders[tier]}) on the sample")
            info = _spawn("train", {"output": str(folder), "embedder": embedders[tier], "tmp": str(work),
                                    "cache": tier == "fast-cached",
                                    "env": {"NPS_TEXT_CACHE_DIR": str(_cache_dir(work))}},
                          timeout=args.timeout, log=logfile)
            models[tier] = {**info, "trained_on": "data/sample_survey.csv comments with data/sample_truth.csv themes",
                            "embedding_cache_when_tagging": tier == "fast-cached",
                            "folder_mb": round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)
                            if folder.exists() else None}
            log(f"  {models[tier]}")
        if (folder / "card.json").exists():
            paths[tier] = str(folder)
    static_log = work / "static_build.json"
    if static_log.exists():
        models["static_encoder_build"] = json.loads(static_log.read_text())

    # ------------------------------------------------------------------ the plan
    plan: list[dict] = []
    for tier in tiers:
        if tier not in paths:
            continue
        tier_sizes = [args.quality_rows] if tier == "quality" else sizes
        for db in dbs if tier != "quality" else ["sqlite"]:
            for n in tier_sizes:
                plan.append({"tier": tier, "db": db, "n": n, "engine": "local"})
    for tier in words(args.large_tiers):
        if tier in paths:
            plan += [{"tier": tier, "db": "sqlite", "n": n, "engine": "local"} for n in large]
    for tier in words(args.dask_tiers):
        if tier in paths:
            plan += [{"tier": tier, "db": "sqlite", "n": n, "engine": "dask"} for n in dask_sizes]
    if args.profile_size:
        for tier in words(args.profile_tiers):
            if tier in paths:
                plan.append({"tier": tier, "db": "sqlite", "n": args.profile_size, "engine": "local",
                             "cprofile": True})

    with contextlib.ExitStack() as stack:
        postgres = stack.enter_context(_Postgres()) if any(p["db"] == "postgres" for p in plan) else None
        if postgres is not None and postgres.error:
            result["postgres_error"] = postgres.error
            log(f"PostgreSQL unavailable: {postgres.error}")
        for item in plan:
            key = f"{item['tier']}/{item['db']}/{item['engine']}/{item['n']}" + ("/cprofile" if item.get("cprofile")
                                                                               else "")
            if item["db"] == "postgres" and (postgres is None or postgres.error):
                continue
            source, info = _data_file(work, item["n"], args.seed, log)
            data_info[str(item["n"])] = info
            cache = _cache_dir(work)
            store_file = work / f"store-{key.replace('/', '-')}.db"
            store_file.unlink(missing_ok=True)
            db = str(store_file) if item["db"] == "sqlite" else postgres.fresh()
            pg_cpu0 = postgres.cpu_seconds() if item["db"] == "postgres" else None
            log(f"run {key}")
            commit = _git("rev-parse", "--short", "HEAD") + ("+changes" if _git("status", "--porcelain", "nps_text")
                                                             else "")
            load_before = round(os.getloadavg()[0], 2)
            entry = _spawn("job", {"source": str(source), "db": db, "model": paths[item["tier"]],
                                   "engine": item["engine"], "workers": 2, "cprofile": bool(item.get("cprofile")),
                                   "env": {"NPS_TEXT_CACHE_DIR": str(cache)}, "tmp": str(work)},
                           timeout=args.timeout, log=logfile)
            entry.update({"tier": item["tier"], "db": item["db"], "engine": item["engine"], "n": item["n"],
                          "commit": commit, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                          "load_average_1m_before": load_before,
                          "load_average_1m_after": round(os.getloadavg()[0], 2)})
            if item["db"] == "postgres":
                with contextlib.suppress(Exception):
                    entry["postgres_server_cpu_s"] = round(postgres.cpu_seconds() - pg_cpu0, 1)
                entry["store_mb"] = postgres.size_mb(db)
                postgres.drop(db)
            else:
                entry["store_mb"] = round(store_file.stat().st_size / 2**20, 1) if store_file.exists() else None
                store_file.unlink(missing_ok=True)
            cache_bytes = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file() and "models" not in p.parts)
            entry["embedding_cache_mb"] = round(cache_bytes / 2**20, 1)
            shutil.rmtree(cache, ignore_errors=True)
            entry["summary"] = _summarise(entry, info)
            runs[key] = entry
            log(f"  {entry['summary']}" + (f" ERROR {entry['error']}" if "error" in entry else ""))
            OUT.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")

    # ------------------------------------------------------------------ growth, Dask overhead
    _derive(result)

    # ------------------------------------------------------------------ quality
    if not args.no_f1:
        quality = result.setdefault("f1", {})
        if "fast" in paths and paths.get("fast"):
            log("F1 of the fast tier (static) on SemEval-14 and GermEval-17")
            quality["fast"] = _spawn("f1", {"shared": str(args.shared), "embedder": "static", "tmp": str(work),
                                            "env": {"NPS_TEXT_CACHE_DIR": str(_cache_dir(work))}},
                                     timeout=args.timeout, log=logfile)
            log(f"  {quality['fast']}")
        if args.rerun_quality_f1:
            quality["quality"] = _spawn("f1", {"shared": str(args.shared), "embedder": "e5", "tmp": str(work)},
                                        timeout=4 * args.timeout, log=logfile)
        else:
            quality["quality"] = _quality_f1_from_tagging_json()
        quality["rules_on_sample"] = _spawn("rules_sample", {"tmp": str(work)}, timeout=600, log=logfile)
        quality["models_on_sample_out_of_fold"] = {tier: (models.get(tier) or {}).get("card_micro")
                                                   for tier in ("fast", "quality")}
        quality["note"] = ("SemEval/GermEval: ThemeClassifier defaults, tagging.py protocol (train->test; 5-fold CV "
                           "with KFold(5, shuffle=True, random_state=0)). The rules tier has no rules for those "
                           "categories; 'rules_on_sample' is its response-level micro-F1 on the project's sample "
                           "(8 planted themes), and 'models_on_sample_out_of_fold' the models' own out-of-fold "
                           "micro-F1 on that sample (model card), both on NPS themes.")
    _derive(result)
    result["wall_s_this_invocation"] = round(time.perf_counter() - t_all, 1)
    OUT.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(markdown(result))


def _derive(result: dict) -> None:
    """The sections computed from the runs: growth, Dask against local, stage shares, the issue's targets."""
    runs = result.get("runs", {})
    result["growth"] = _growth(runs)
    result["dask_vs_local"] = _dask_vs_local(runs)
    result["where_time_goes"] = _stage_shares(runs)
    result["targets"] = _targets(result)


def _stage_shares(runs: dict) -> dict:
    """Per local run: each stage's share of the job's seconds; the embedder's seconds per piece."""
    out = {}
    for key, entry in runs.items():
        stages, seconds = entry.get("stages_s"), entry.get("job_s")
        if not stages or not seconds or key.endswith("/cprofile"):
            continue
        top = {name: stages.get(name, 0.0) for name in ("read_load", "ledger_plan", "prepare_text", "tag_themes",
                                                       "write_piece", "drift_tally", "drift_report")}
        top["tag_other"] = stages.get("tag_piece", 0.0) - top["prepare_text"] - top["tag_themes"]
        top["rest"] = seconds - sum(top.values())
        shares = {name: round(value / seconds, 3) for name, value in top.items()}
        pieces = (entry.get("run") or {}).get("pieces") or 0
        row = {"shares_of_job_s": shares,
               "prepare_text_rows_per_s": _rate(entry.get("n", 0), stages.get("prepare_text"))}
        if stages.get("embed"):
            row["embed_share"] = round(stages["embed"] / seconds, 3)
            row["embed_s_per_piece"] = round(stages["embed"] / pieces, 2) if pieces else None
            row["tag_themes_without_embed_share"] = round((top["tag_themes"] - stages["embed"]) / seconds, 3)
        out[key] = row
    return out


def _targets(result: dict) -> dict:
    """The issue's targets for the fast tier, met or not, from the measured runs."""
    runs = result.get("runs", {})
    fast = {int(k.split("/")[3]): e for k, e in runs.items()
            if k.startswith("fast/sqlite/local/") and not k.endswith("/cprofile") and not e.get("error")}
    out: dict = {}
    if fast:
        largest = max(fast)
        summary = fast[largest]["summary"]
        out["fast_rows_per_s_at_least_5000"] = {"target": 5000, "measured_rows_per_s": summary["rows_per_s"],
                                                "measured_comments_per_s": summary["comments_per_s"],
                                                "rows": largest, "met": summary["rows_per_s"] >= 5000}
        if 1_000_000 in fast:
            rss = fast[1_000_000]["summary"]["peak_rss_mb"]
            out["fast_peak_rss_below_2gb_at_1m"] = {"target_mb": 2048, "measured_mb": rss, "met": rss < 2048}
        if 1_000_000 in fast and 100_000 in fast:
            a, b = fast[100_000]["summary"]["peak_rss_mb"], fast[1_000_000]["summary"]["peak_rss_mb"]
            out["fast_rss_flat_100k_to_1m"] = {"peak_rss_mb": [a, b], "ratio": round(b / a, 3),
                                               "met": b / a < 1.1}
    f1 = result.get("f1", {})
    gaps = {}
    for name in ("semeval14_restaurants", "germeval17"):
        fast_f1 = (((f1.get("fast") or {}).get(name) or {}).get("classifier") or {}).get("f1")
        quality_f1 = (((f1.get("quality") or {}).get(name) or {}).get("classifier") or {}).get("f1")
        if fast_f1 is not None and quality_f1 is not None:
            gaps[name] = {"fast": fast_f1, "quality": quality_f1, "points_below": round(100 * (quality_f1 - fast_f1), 2)}
    if gaps:
        out["fast_f1_within_3_points_of_quality"] = {**gaps, "met": all(g["points_below"] <= 3 for g in gaps.values())}
    return out


def _quality_f1_from_tagging_json() -> dict:
    path = HERE / "tagging.json"
    if not path.exists():
        return {"error": "benchmarks/tagging.json not found"}
    data = json.loads(path.read_text())
    out = {"embedder": data.get("embedder"), "source": "benchmarks/tagging.json (not re-run here)"}
    for name in ("semeval14_restaurants", "germeval17"):
        section = data.get(name, {})
        out[name] = {"classifier": {k: section.get("classifier", {}).get(k) for k in ("precision", "recall", "f1")},
                     "measured": {k: section.get("machine", {}).get(k) for k in ("commit", "cpu_model",
                                                                                   "machine_shared")}}
    return out


def _growth(runs: dict) -> dict:
    """Ratios of time and peak RSS between consecutive sizes of the same tier/store/engine."""
    groups: dict[str, list[tuple[int, dict]]] = {}
    for key, entry in runs.items():
        if key.endswith("/cprofile") or "summary" not in entry or entry.get("error"):
            continue
        tier, db, engine, n = key.split("/")
        summary = dict(entry["summary"])
        if engine == "dask":  # the job and its worker processes together
            summary["peak_rss_mb"] = entry.get("peak_tree_rss_mb_sampled")
        groups.setdefault(f"{tier}/{db}/{engine}", []).append((int(n), summary))
    out = {}
    for group, items in groups.items():
        items.sort()
        for (n0, a), (n1, b) in itertools.pairwise(items):
            if a.get("job_s") and b.get("job_s"):
                out[f"{group} {n1}/{n0}"] = {"rows_ratio": round(n1 / n0, 1),
                                             "time_ratio": round(b["job_s"] / a["job_s"], 2),
                                             "peak_rss_ratio": round(b["peak_rss_mb"] / a["peak_rss_mb"], 2)
                                             if a.get("peak_rss_mb") and b.get("peak_rss_mb") else None,
                                             "peak_rss_mb": [a.get("peak_rss_mb"), b.get("peak_rss_mb")]}
    return out


def _dask_vs_local(runs: dict) -> dict:
    out = {}
    for key, entry in runs.items():
        tier, db, engine, n = (key.split("/") + [""])[:4]
        if engine != "dask" or key.endswith("/cprofile") or entry.get("error"):
            continue
        local = runs.get(f"{tier}/{db}/local/{n}")
        if local and local.get("job_s") and entry.get("job_s"):
            out[f"{tier}/{db}/{n}"] = {
                "local_s": local["job_s"], "dask_s": entry["job_s"],
                "speedup": round(local["job_s"] / entry["job_s"], 2),
                "local_peak_rss_mb": local.get("peak_rss_mb"),
                "dask_peak_tree_rss_mb": entry.get("peak_tree_rss_mb_sampled"),
                "note": "Dask: the job process reads, plans and writes; 2 worker processes (1 thread each) tag; "
                        "cluster start-up and each worker's tagger load are in dask_s"}
    return out


def markdown(result: dict) -> str:
    lines = ["| tier | store | engine | rows | seconds | rows/s | comments/s | peak RSS MB | mentions | status |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for key, entry in result.get("runs", {}).items():
        if key.endswith("/cprofile"):
            continue
        s = entry.get("summary", {})
        rss = entry.get("peak_tree_rss_mb_sampled") if entry.get("engine") == "dask" else s.get("peak_rss_mb")
        lines.append(f"| {entry.get('tier')} | {entry.get('db')} | {entry.get('engine')} | {entry.get('n'):,} | "
                     f"{s.get('job_s')} | {s.get('rows_per_s')} | {s.get('comments_per_s')} | {rss} | "
                     f"{s.get('mentions')} | {s.get('status') or entry.get('error')} |")
    if result.get("growth"):
        lines += ["", "| growth | time ratio | peak RSS ratio | peak RSS MB |", "|---|---:|---:|---|"]
        for key, g in result["growth"].items():
            lines.append(f"| {key} | {g['time_ratio']} | {g['peak_rss_ratio']} | {g['peak_rss_mb']} |")
    f1 = result.get("f1", {})
    if f1:
        lines += ["", "| tier | SemEval-14 micro-F1 | GermEval-17 micro-F1 | source |", "|---|---:|---:|---|"]
        for tier in ("fast", "quality"):
            section = f1.get(tier) or {}
            sem = ((section.get("semeval14_restaurants") or {}).get("classifier") or {}).get("f1")
            ger = ((section.get("germeval17") or {}).get("classifier") or {}).get("f1")
            lines.append(f"| {tier} ({section.get('embedder')}) | {sem} | {ger} | "
                         f"{section.get('source', 'measured here')} |")
        rules = (f1.get("rules_on_sample") or {}).get("micro") or {}
        lines.append(f"| rules (sample, 8 NPS themes) | - | - | F1 {rules.get('f1')} on data/sample_* |")
    for key, entry in result.get("runs", {}).items():
        if entry.get("stages_s") and not key.endswith("/cprofile"):
            pass
    profiles = [(k, e) for k, e in result.get("runs", {}).items() if e.get("stages_s") and not k.endswith("cprofile")]
    if profiles:
        lines += ["", "| run | job s | " + " | ".join(STAGES) + " |", "|---|---:|" + "---:|" * len(STAGES)]
        for key, entry in profiles:
            stages = entry["stages_s"]
            lines.append(f"| {key} | {entry.get('job_s')} | " + " | ".join(
                f"{stages.get(s, 0):.1f}" for s in STAGES) + " |")
    return "\n".join(lines)


STAGES = ["read_load", "comment_hash", "ledger_plan", "prepare_text", "tag_themes", "embed", "tag_piece",
          "write_piece", "drift_tally", "drift_report", "load_tagger"]


if __name__ == "__main__":
    main()
