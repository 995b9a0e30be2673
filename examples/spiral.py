"""Fit the 3-class spiral of Stanford's CS231n notes with a small MLP, in tinygrad_ce.

No straight line separates the three arms of the spiral (``make_spiral``: 300 points, 100 per
class), so a linear classifier gets about half of them right; one hidden layer of ReLUs bends
the decision boundaries around the arms. The MLP (2 -> 100 -> 3) is trained on all 300 points
at once (one Adam step per epoch) for 1,000 epochs, in about a second.

    python examples/spiral.py
    python examples/spiral.py --hidden 20 --epochs 3000 --out runs/spiral-20
    python examples/spiral.py --help

Prints progress, the training accuracy (and a linear classifier's, trained the same way, for
comparison) and where the model was saved (``nn.load(nn.Sequential(nn.Linear(2, 100),
nn.ReLU(), nn.Linear(100, 3)), path)`` reads it back). With matplotlib installed it also draws
``decision_regions.png``: the class the MLP predicts at every point of the plane, the data on
top, misclassified points crossed out.

Files already in ``--out`` (``model.npz``, the picture) are replaced only with ``--overwrite``;
without it the run stops before training, and a run whose loss stops being finite writes nothing.
"""

from __future__ import annotations

import time

START = time.perf_counter()  # wall time is measured from here, before the heavy imports

import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

# Run against the package of the checkout this example belongs to, even if another version of
# tinygrad_ce is installed (after `pip install .` both are the same), and find example_utils.py
# next to this file however the script is started.
_HERE = Path(__file__).resolve().parent
if (_HERE.parent / "tinygrad_ce" / "__init__.py").is_file():
    sys.path.insert(0, str(_HERE.parent))
sys.path.insert(0, str(_HERE))

import numpy as np  # noqa: E402
from example_utils import (  # noqa: E402
    PLOTS_MISSING,
    Progress,
    add_overwrite_option,
    check_loss,
    int_at_least,
    load_matplotlib,
    main_guard,
    non_negative_float,
    out_folder,
    plural,
    positive_float,
    positive_int,
    prepare_out_dir,
    quiet_float_errors,
    run_script,
    save_model,
    saved_note,
)

from tinygrad_ce import functional as F  # noqa: E402
from tinygrad_ce import nn, no_grad, optim  # noqa: E402
from tinygrad_ce.datasets import make_spiral  # noqa: E402
from tinygrad_ce.seeding import generator_from  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Fit the 3-class spiral (CS231n) with a one-hidden-layer MLP."
    )
    add = parser.add_argument
    add("--hidden", type=positive_int, default=100, help="hidden units (default: %(default)s)")
    add(
        "--epochs",
        type=positive_int,
        default=1000,
        help="full-batch Adam steps (default: %(default)s)",
    )
    add("--lr", type=positive_float, default=0.01, help="Adam learning rate (default: %(default)s)")
    add(
        "--n-per-class",
        type=int_at_least(2, "an arm of one point is the origin, the same for every class"),
        default=100,
        help="points per spiral arm, at least 2 (default: %(default)s)",
    )
    add(
        "--noise",
        type=non_negative_float,
        default=0.2,
        help="standard deviation of the noise on the angle, radians (default: %(default)s)",
    )
    add("--data-seed", type=int, default=0, help="seeds the data, any int (default: %(default)s)")
    add(
        "--seed",
        type=int,
        default=0,
        help="seeds the initialisation, any int (default: %(default)s)",
    )
    add(
        "--out",
        type=out_folder,
        default=os.path.join("runs", "spiral"),
        help="folder for model.npz and the picture, created if missing (default: %(default)s)",
    )
    add("--no-plots", action="store_true", help="do not draw decision_regions.png")
    add_overwrite_option(parser)
    return parser, parser.parse_args(argv)


@no_grad()
def predict(model, X):
    return np.asarray(model(X).argmax(axis=1))


def fit(model, X, y, epochs, lr, progress=None):
    """Full-batch Adam on the cross-entropy; stops (TrainingDiverged) on a non-finite loss."""
    optimizer = optim.Adam(model.parameters(), lr=lr)
    with quiet_float_errors():  # a diverging run is reported once, by check_loss
        for epoch in range(1, epochs + 1):
            loss = F.cross_entropy(model(X), y)
            check_loss(loss.item(), epoch, 1)  # before the step: never apply a NaN gradient
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if progress is not None:
                accuracy = np.mean(predict(model, X) == y)
                progress.update(epoch, f"loss {loss.item():.4f}  train acc {100 * accuracy:5.1f}%")
    return model


def train(parser, args):
    pictures = [] if args.no_plots else ["decision_regions.png"]
    # Before training: a bad --out costs nothing.
    out, existing = prepare_out_dir(parser, args.out, ["model.npz", *pictures], args.overwrite)
    X, y = make_spiral(args.n_per_class, noise=args.noise, seed=args.data_seed)
    X = X.astype(np.float32)
    rng = generator_from(args.seed)  # any int, negative ones too (as torch.manual_seed)
    model = nn.Sequential(
        nn.Linear(2, args.hidden, rng=rng), nn.ReLU(), nn.Linear(args.hidden, 3, rng=rng)
    )
    print(
        f"training a 2-{args.hidden}-3 MLP on the {len(y)}-point spiral (noise {args.noise:g}); "
        f"full-batch Adam lr={args.lr:g}, {plural(args.epochs, 'epoch')}, seed {args.seed}, "
        f"data seed {args.data_seed}"
    )
    fit(model, X, y, args.epochs, args.lr, Progress(args.epochs))
    train_seconds = time.perf_counter() - START

    predicted = predict(model, X)
    n_correct = int(np.sum(predicted == y))
    print(f"training accuracy: {100 * n_correct / len(y):.1f}% ({n_correct}/{len(y)})")
    linear = fit(nn.Linear(2, 3, rng=rng), X, y, args.epochs, args.lr)
    linear_correct = int(np.sum(predict(linear, X) == y))
    print(
        f"a linear classifier trained the same way: {100 * linear_correct / len(y):.1f}% "
        f"({linear_correct}/{len(y)})"
    )

    model_path = out / "model.npz"
    save_model(model, model_path)
    print(f"model saved to {model_path}{saved_note(model_path, existing)}")

    if args.no_plots:
        print("pictures skipped (--no-plots)")
    else:
        plotting = load_matplotlib()
        if plotting is None:
            print(PLOTS_MISSING.format(names="decision_regions.png"))
        else:
            path = draw_regions(plotting, out, model, X, y, predicted)
            print(f"picture saved to {path}{saved_note(path, existing)}")
    print(
        f"wall time: {time.perf_counter() - START:.2f} s "
        f"(start-up and training {train_seconds:.2f} s)"
    )
    return model


CLASS_COLOURS = ["#1b9e77", "#d95f02", "#7570b3"]
REGION_COLOURS = ["#b3e2cd", "#fdcdac", "#cbd5e8"]


def draw_regions(plotting, out, model, X, y, predicted):
    """Write decision_regions.png: the MLP's class over the plane, the data, mistakes crossed."""
    Figure, ListedColormap = plotting
    lo, hi = X.min(axis=0) - 0.15, X.max(axis=0) + 0.15
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 300), np.linspace(lo[1], hi[1], 300))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    regions = predict(model, grid).reshape(gx.shape)
    fig = Figure(figsize=(5, 5), layout="constrained")
    ax = fig.subplots()
    ax.imshow(
        regions,
        origin="lower",
        extent=(lo[0], hi[0], lo[1], hi[1]),
        interpolation="nearest",
        cmap=ListedColormap(REGION_COLOURS),
        vmin=0,
        vmax=2,
    )
    for k in range(3):
        ax.scatter(*X[y == k].T, s=14, color=CLASS_COLOURS[k], label=f"class {k}")
    wrong = predicted != y
    if wrong.any():
        ax.scatter(*X[wrong].T, s=60, marker="x", color="black", label="misclassified")
    accuracy = 100 * np.mean(~wrong)
    ax.set(
        title=f"MLP decision regions; training accuracy {accuracy:.1f}%",
        xlabel="x1",
        ylabel="x2",
        aspect="equal",
    )
    ax.legend(fontsize="small", loc="upper left")
    path = out / "decision_regions.png"
    fig.savefig(path, dpi=80)
    return path


def main(argv=None):
    parser, args = parse_args(argv)
    return main_guard(lambda: train(parser, args), Path(args.out) / "model.npz")


if __name__ == "__main__":
    run_script(main)
