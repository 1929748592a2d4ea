"""Build the generated models into the nps-text cache folder (offline, from installed packages).

    python models/build.py e5-st              # multilingual-e5-small as sentence-transformers (~10 s)
    python models/build.py static             # static model distilled from e5-st (several minutes, ~4 GB RAM)
    python models/build.py static --source PATH --out DIR --pca-dims 256

Both are also built automatically on first use of the "e5-st" / "static" embedders. See
models/README.md for provenance and licences.
"""

from __future__ import annotations

import argparse
import logging

from nps_text.embed.model_build import build_e5_sentence_transformer, build_static_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", choices=["e5-st", "static"])
    parser.add_argument("--out", default=None, help="target folder (default: the nps-text cache)")
    parser.add_argument("--source", default="e5", help="static only: 'e5' or a sentence-transformers folder")
    parser.add_argument("--pca-dims", type=int, default=256, help="static only: output dimension")
    parser.add_argument("--fp16", action="store_true", help="e5-st only: fp16 weights (240 MB instead of 465, slower on CPU)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.model == "e5-st":
        folder = build_e5_sentence_transformer(args.out, fp16=args.fp16)
    else:
        folder = build_static_model(args.out, source=args.source, pca_dims=args.pca_dims)
    print(folder)


if __name__ == "__main__":
    main()
