"""Train a classifier on Fisher's iris data set with tinygrad_ce, the way one would in PyTorch.

By default a softmax regression (one ``nn.Linear(4, 3)`` and ``functional.cross_entropy``),
trained with mini-batch SGD with momentum on 80% of the data (a stratified, seeded split; the
features standardized with statistics of the training part only) and tested on the other 20%.
``--model mlp`` trains a small multi-layer perceptron instead.

    python examples/train_iris.py                     # softmax regression, SGD
    python examples/train_iris.py --model mlp --optimizer adam --epochs 200 --out runs/iris-mlp
    python examples/train_iris.py --help

Prints progress (epoch, loss, train and test accuracy), then the test accuracy, a confusion
matrix, the wall time and where the model was saved (``nn.save``; read it back with
``nn.load(nn.Linear(4, 3), path)``). With matplotlib installed (``pip install ".[plot]"``) it
also writes ``curves.png`` (loss and accuracy per epoch) and ``decision_regions.png`` to the
output folder. A model of four features has no honest picture in two dimensions, so the
decision regions are those of a second model of the same kind, trained the same way on the two
plotted features only (petal length and width); the caption says so and gives both models'
test accuracy, and the flowers that second model gets wrong are crossed out.
The same seeds give the same numbers on every run.

Options are checked before training: ``--out`` must be a writable folder, ``--test-size``
must leave every class in both parts, ``--hidden`` needs ``--model mlp`` and ``--momentum``
needs ``--optimizer sgd``. Files already in ``--out`` (``model.npz``, the pictures) are
replaced only with ``--overwrite``; without it the run stops before training. If the loss stops
being a finite number (a learning rate far too high), training stops with a message and exit
status 1, and no file is written: an existing ``model.npz`` from an earlier run is left as it
was.

Why the default ``--split-seed`` is 3 (see ``SPLIT_NOTE``): with 30 test flowers one mistake
costs 3.3 points, so the test accuracy says as much about the split as about the model.
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
    confusion_matrix,
    format_confusion,
    fraction_or_count,
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
    split_or_usage_error,
    suspects,
)

from tinygrad_ce import functional as F  # noqa: E402
from tinygrad_ce import nn, no_grad, optim  # noqa: E402
from tinygrad_ce.datasets import Standardizer, iterate_minibatches, load_iris  # noqa: E402
from tinygrad_ce.seeding import generator_from  # noqa: E402

DEFAULT_LR = {"sgd": 0.1, "adam": 0.01}
DEFAULT_HIDDEN = 16  # --hidden, for --model mlp
DEFAULT_MOMENTUM = 0.9  # --momentum, for --optimizer sgd

SPLIT_NOTE = """\
The split: --split-seed picks which flowers are held out (10 of each class by default).
With 30 test flowers one mistake costs 3.3 points, so the split matters as much as the model.
Over split seeds 0-49 the default softmax regression scores 90% (6 splits), 93.3% (8),
96.7% (16) or 100% (20): 96.7% on average. Split seed 0 is a hard one: it holds out two of the
three flowers (samples 71 and 134) that even a linear model fit to all 150 flowers gets wrong,
and softmax regression fit to convergence on its training part (L2 strength 1e-4 to 1e-1)
scores at most 90% on it. The default, split seed 3, scores the average, 96.7%."""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Train a softmax-regression (default) or MLP classifier on the iris data.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=SPLIT_NOTE,
    )
    add = parser.add_argument
    add(
        "--model",
        choices=["softmax", "mlp"],
        default="softmax",
        help="softmax: one Linear(4, 3); mlp: Linear-ReLU-Linear (default: %(default)s)",
    )
    add(
        "--hidden",
        type=positive_int,
        default=None,
        help="hidden units of the MLP, with --model mlp only (default: 16)",
    )
    add(
        "--epochs",
        type=positive_int,
        default=60,
        help="passes over the training set (default: %(default)s)",
    )
    add(
        "--lr",
        type=positive_float,
        default=None,
        help="learning rate (default: 0.1 for sgd, 0.01 for adam)",
    )
    add(
        "--optimizer",
        choices=["sgd", "adam"],
        default="sgd",
        help="optimizer; sgd uses --momentum (default: %(default)s)",
    )
    add(
        "--momentum",
        type=non_negative_float,
        default=None,
        help="SGD momentum, with --optimizer sgd only (default: 0.9)",
    )
    add(
        "--weight-decay",
        type=non_negative_float,
        default=0.0,
        help="L2 penalty added to the gradient, as torch.optim (default: %(default)s)",
    )
    add("--batch-size", type=positive_int, default=16, help="mini-batch size (default: 16)")
    add(
        "--test-size",
        type=fraction_or_count,
        default=0.2,
        help="fraction (or number) of flowers held out, stratified by species; every species "
        "must keep at least one flower in each part (default: %(default)s)",
    )
    add(
        "--seed",
        type=int,
        default=0,
        help="seeds the initialisation and the mini-batch order, any int (default: %(default)s)",
    )
    add(
        "--split-seed",
        type=int,
        default=3,
        help="seeds the stratified train/test split, any int; see below (default: %(default)s)",
    )
    add(
        "--out",
        type=out_folder,
        default=os.path.join("runs", "iris"),
        help="folder for model.npz and the plots, created if missing; must be a folder you "
        "can write to (default: %(default)s)",
    )
    add(
        "--no-plots",
        action="store_true",
        help="do not write the PNG plots even if matplotlib is installed",
    )
    add_overwrite_option(parser)
    args = parser.parse_args(argv)
    # An option of the other model or optimizer would be ignored: refuse it instead.
    if args.hidden is not None and args.model != "mlp":
        parser.error(
            f"argument --hidden: only the MLP has hidden units; add --model mlp "
            f"(--model is {args.model})"
        )
    if args.momentum is not None and args.optimizer != "sgd":
        parser.error(
            f"argument --momentum: only SGD takes a momentum (Adam uses its betas); use "
            f"--optimizer sgd or drop --momentum (--optimizer is {args.optimizer})"
        )
    args.hidden = DEFAULT_HIDDEN if args.hidden is None else args.hidden
    args.momentum = DEFAULT_MOMENTUM if args.momentum is None else args.momentum
    if args.lr is None:
        args.lr = DEFAULT_LR[args.optimizer]
    return parser, args


def build_model(kind, hidden, rng, in_features=4):
    if kind == "softmax":
        return nn.Linear(in_features, 3, rng=rng)
    return nn.Sequential(
        nn.Linear(in_features, hidden, rng=rng), nn.ReLU(), nn.Linear(hidden, 3, rng=rng)
    )


def build_optimizer(args, params):
    if args.optimizer == "sgd":
        return optim.SGD(params, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    return optim.Adam(params, lr=args.lr, weight_decay=args.weight_decay)


@no_grad()
def evaluate(model, X, y):
    """(mean cross-entropy, accuracy, predicted classes) of ``model`` on ``X``, ``y``."""
    logits = model(X)
    predicted = np.asarray(logits.argmax(axis=1))
    return F.cross_entropy(logits, y).item(), float(np.mean(predicted == y)), predicted


def fit(model, args, rng, train_data, test_data, progress=None):
    """Mini-batch training; returns the history (one record per epoch).

    Stops with TrainingDiverged as soon as a batch's loss is not finite, before that batch's
    step, so no NaN gradient is ever applied.
    """
    X_train, y_train = train_data
    optimizer = build_optimizer(args, model.parameters())
    momentum = args.momentum if args.optimizer == "sgd" else 0.0
    settings = suspects(momentum=momentum, weight_decay=args.weight_decay)
    history = []
    with quiet_float_errors():  # a diverging run is reported once, by check_loss
        for epoch in range(1, args.epochs + 1):
            batches = iterate_minibatches(X_train, y_train, args.batch_size, seed=rng)
            for step, (X_batch, y_batch) in enumerate(batches, start=1):
                loss = F.cross_entropy(model(X_batch), y_batch)
                check_loss(loss.item(), epoch, step, settings)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            train_loss, train_acc, _ = evaluate(model, *train_data)
            test_loss, test_acc, _ = evaluate(model, *test_data)
            # The last step may have broken the weights.
            check_loss(train_loss, epoch, step, settings)
            record = dict(
                epoch=epoch,
                train_loss=train_loss,
                test_loss=test_loss,
                train_acc=train_acc,
                test_acc=test_acc,
            )
            history.append(record)
            if progress is not None:
                progress.update(
                    epoch,
                    f"loss {train_loss:.4f}  train acc {100 * train_acc:5.1f}%  "
                    f"test acc {100 * test_acc:5.1f}%",
                )
    return history


def train(parser, args):
    pictures = [] if args.no_plots else ["curves.png", "decision_regions.png"]
    # Before training: a bad --out costs nothing.
    out, existing = prepare_out_dir(parser, args.out, ["model.npz", *pictures], args.overwrite)
    X, y, feature_names, target_names = load_iris()
    X_train, X_test, y_train, y_test = split_or_usage_error(
        parser, X, y, args.test_size, args.split_seed
    )
    scaler = Standardizer().fit(X_train)  # statistics of the training part only
    Xs_train = scaler.transform(X_train).astype(np.float32)
    Xs_test = scaler.transform(X_test).astype(np.float32)

    rng = generator_from(args.seed)  # any int, negative ones too (as torch.manual_seed)
    model = build_model(args.model, args.hidden, rng)
    print(
        f"training {args.model} on {len(y_train)} iris samples, testing on {len(y_test)}; "
        f"{args.optimizer} lr={args.lr:g}, batch size {args.batch_size}, "
        f"{plural(args.epochs, 'epoch')}, seed {args.seed}, split seed {args.split_seed}"
    )
    history = fit(model, args, rng, (Xs_train, y_train), (Xs_test, y_test), Progress(args.epochs))
    train_seconds = time.perf_counter() - START

    _, test_acc, predicted = evaluate(model, Xs_test, y_test)
    n_correct = int(np.sum(predicted == y_test))
    print(f"test accuracy: {100 * test_acc:.1f}% ({n_correct}/{len(y_test)})")
    print(format_confusion(confusion_matrix(y_test, predicted, len(target_names)), target_names))

    model_path = out / "model.npz"
    save_model(model, model_path)
    print(f"model saved to {model_path}{saved_note(model_path, existing)}")

    if args.no_plots:
        print("plots skipped (--no-plots)")
    else:
        plotting = load_matplotlib()
        if plotting is None:
            print(PLOTS_MISSING.format(names="curves.png and decision_regions.png"))
        else:
            # The second model, on the two plotted features: same kind, settings and seed.
            petal = PETAL
            petal_model = build_model(
                args.model, args.hidden, generator_from(args.seed), in_features=2
            )
            fit(
                petal_model,
                args,
                generator_from(args.seed),
                (Xs_train[:, petal], y_train),
                (Xs_test[:, petal], y_test),
            )
            data = (X_train, y_train, X_test, y_test, feature_names, target_names)
            paths = save_plots(plotting, out, history, petal_model, test_acc, scaler, data)
            saved = [f"{path}{saved_note(path, existing)}" for path in paths]
            print("plots saved to " + " and ".join(saved))
            _, petal_acc, _ = evaluate(petal_model, Xs_test[:, petal], y_test)
            print(
                f"decision_regions.png shows a second {args.model} model trained the same way on "
                f"petal length and width only (its test accuracy: {100 * petal_acc:.1f}%)"
            )
    print(
        f"wall time: {time.perf_counter() - START:.2f} s "
        f"(start-up and training {train_seconds:.2f} s)"
    )
    return model, history


# --------------------------------------------------------------------------- plots

PETAL = [2, 3]  # the plotted features: petal length and petal width (cm)


def petal_predictor(petal_model, scaler):
    """Classes ``petal_model`` predicts for points (n, 2) of petal length and width, in cm."""
    mean, std = scaler.mean[PETAL], scaler.std[PETAL]

    @no_grad()
    def predict(points):
        return np.asarray(petal_model(((points - mean) / std).astype(np.float32)).argmax(axis=1))

    return predict


CLASS_COLOURS = ["#1b9e77", "#d95f02", "#7570b3"]
REGION_COLOURS = ["#b3e2cd", "#fdcdac", "#cbd5e8"]


def save_plots(plotting, out, history, petal_model, full_test_acc, scaler, data):
    """Write curves.png and decision_regions.png to ``out``; return their paths.

    ``petal_model`` is the model trained on the standardized petal length and width only: its
    decision regions are exactly what it predicts anywhere in that plane.
    """
    Figure, ListedColormap = plotting
    X_train, y_train, X_test, y_test, feature_names, target_names = data
    epochs = [r["epoch"] for r in history]

    fig = Figure(figsize=(9, 3.4), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    ax_loss.plot(epochs, [r["train_loss"] for r in history], label="train")
    ax_loss.plot(epochs, [r["test_loss"] for r in history], label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    ax_loss.legend()
    ax_acc.plot(epochs, [100 * r["train_acc"] for r in history], label="train")
    ax_acc.plot(epochs, [100 * r["test_acc"] for r in history], label="test")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    ax_acc.legend()
    curves = out / "curves.png"
    fig.savefig(curves, dpi=90)

    fx, fy = PETAL
    petal_predict = petal_predictor(petal_model, scaler)
    X_all = np.concatenate([X_train, X_test])
    lo, hi = X_all.min(axis=0) - 0.5, X_all.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[fx], hi[fx], 250), np.linspace(lo[fy], hi[fy], 250))
    regions = petal_predict(np.stack([gx.ravel(), gy.ravel()], axis=1)).reshape(gx.shape)
    fig = Figure(figsize=(5.8, 5.0), layout="constrained")
    ax = fig.subplots()
    ax.imshow(
        regions,
        origin="lower",
        aspect="auto",
        interpolation="nearest",
        extent=(lo[fx], hi[fx], lo[fy], hi[fy]),
        cmap=ListedColormap(REGION_COLOURS),
        vmin=0,
        vmax=len(target_names) - 1,
    )
    for k, name in enumerate(target_names):
        ax.scatter(
            *X_train[y_train == k][:, [fx, fy]].T,
            s=18,
            color=CLASS_COLOURS[k],
            label=f"{name} (train)",
        )
        ax.scatter(
            *X_test[y_test == k][:, [fx, fy]].T,
            s=40,
            marker="^",
            color=CLASS_COLOURS[k],
            edgecolors="black",
            linewidths=0.8,
            label=f"{name} (test)",
        )
    wrong = np.concatenate(
        [
            X_train[petal_predict(X_train[:, [fx, fy]]) != y_train],
            X_test[petal_predict(X_test[:, [fx, fy]]) != y_test],
        ]
    )
    if len(wrong):
        ax.scatter(
            *wrong[:, [fx, fy]].T,
            s=90,
            marker="x",
            color="black",
            linewidths=1.2,
            label="misclassified",
        )
    petal_test_acc = np.mean(petal_predict(X_test[:, [fx, fy]]) == y_test)
    ax.set(xlabel=feature_names[fx], ylabel=feature_names[fy])
    ax.set_title(
        "Decision regions of a second model trained on these two features only\n"
        f"(test accuracy {100 * petal_test_acc:.1f}%; the 4-feature model: "
        f"{100 * full_test_acc:.1f}%); x = misclassified by it",
        fontsize=9,
    )
    ax.legend(fontsize="small", loc="upper left")
    regions_path = out / "decision_regions.png"
    fig.savefig(regions_path, dpi=90)
    return [curves, regions_path]


def main(argv=None):
    parser, args = parse_args(argv)
    return main_guard(lambda: train(parser, args), Path(args.out) / "model.npz")


if __name__ == "__main__":
    run_script(main)
