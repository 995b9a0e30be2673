"""Train a classifier on Fisher's iris data set with tinygrad_ce, the way one would in PyTorch.

By default a softmax regression (one ``nn.Linear(4, 3)`` and ``functional.cross_entropy``),
trained with mini-batch SGD with momentum on 80% of the data (a stratified, seeded split; the
features standardized with statistics of the training part only) and tested on the other 20%.
``--model mlp`` trains a small multi-layer perceptron instead.

    python examples/train_iris.py                     # softmax regression, SGD
    python examples/train_iris.py --model mlp --optimizer adam --epochs 200
    python examples/train_iris.py --help

Prints progress (epoch, loss, train and test accuracy), then the test accuracy, a confusion
matrix, the wall time and where the model was saved (``nn.save``; read it back with
``nn.load(nn.Linear(4, 3), path)``). With matplotlib installed (``pip install ".[plot]"``) it
also writes ``curves.png`` (loss and accuracy per epoch) and ``decision_regions.png`` (the
classes the model predicts over petal length x petal width) to the output folder.
The same seeds give the same numbers on every run.

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
# tinygrad_ce is installed (after `pip install .` both are the same).
_REPO = Path(__file__).resolve().parent.parent
if (_REPO / "tinygrad_ce" / "__init__.py").is_file():
    sys.path.insert(0, str(_REPO))

import numpy as np  # noqa: E402

from tinygrad_ce import functional as F  # noqa: E402
from tinygrad_ce import nn, no_grad, optim  # noqa: E402
from tinygrad_ce.datasets import (  # noqa: E402
    Standardizer,
    iterate_minibatches,
    load_iris,
    train_test_split,
)

DEFAULT_LR = {"sgd": 0.1, "adam": 0.01}

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
    parser.add_argument(
        "--model",
        choices=["softmax", "mlp"],
        default="softmax",
        help="softmax: one Linear(4, 3); mlp: Linear-ReLU-Linear (default: %(default)s)",
    )
    parser.add_argument(
        "--hidden", type=int, default=16, help="hidden units of the MLP (default: %(default)s)"
    )
    parser.add_argument(
        "--epochs", type=int, default=60, help="passes over the training set (default: %(default)s)"
    )
    parser.add_argument(
        "--lr", type=float, default=None, help="learning rate (default: 0.1 for sgd, 0.01 for adam)"
    )
    parser.add_argument(
        "--optimizer",
        choices=["sgd", "adam"],
        default="sgd",
        help="optimizer; sgd uses --momentum (default: %(default)s)",
    )
    parser.add_argument(
        "--momentum", type=float, default=0.9, help="SGD momentum (default: %(default)s)"
    )
    parser.add_argument(
        "--weight-decay",
        type=float,
        default=0.0,
        help="L2 penalty added to the gradient, as torch.optim (default: %(default)s)",
    )
    parser.add_argument(
        "--batch-size", type=int, default=16, help="mini-batch size (default: %(default)s)"
    )
    parser.add_argument(
        "--test-size",
        type=float,
        default=0.2,
        help="fraction of each class held out for testing (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seeds the initialisation and the mini-batch order (default: %(default)s)",
    )
    parser.add_argument(
        "--split-seed",
        type=int,
        default=3,
        help="seeds the stratified train/test split; see below (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        default=os.path.join("runs", "iris"),
        help="folder for model.npz and the plots, created if missing (default: %(default)s)",
    )
    parser.add_argument(
        "--no-plots",
        action="store_true",
        help="do not write the PNG plots even if matplotlib is installed",
    )
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or args.hidden < 1:
        parser.error("--epochs, --batch-size and --hidden must be positive")
    if args.lr is None:
        args.lr = DEFAULT_LR[args.optimizer]
    if args.lr <= 0 or args.momentum < 0 or args.weight_decay < 0:
        parser.error("--lr must be positive, --momentum and --weight-decay not negative")
    if not 0 < args.test_size < 1:
        parser.error(f"--test-size must be between 0 and 1 (a fraction), got {args.test_size}")
    return args


def build_model(kind, hidden, rng):
    if kind == "softmax":
        return nn.Linear(4, 3, rng=rng)
    return nn.Sequential(nn.Linear(4, hidden, rng=rng), nn.ReLU(), nn.Linear(hidden, 3, rng=rng))


def build_optimizer(args, params):
    if args.optimizer == "sgd":
        return optim.SGD(params, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    return optim.Adam(params, lr=args.lr, weight_decay=args.weight_decay)


@no_grad()
def evaluate(model, X, y):
    """(mean cross-entropy, accuracy, predicted classes) of ``model`` on ``X``, ``y``."""
    logits = model(X)
    predicted = logits.argmax(axis=1)
    return F.cross_entropy(logits, y).item(), float(np.mean(predicted == y)), predicted


def confusion_matrix(y_true, y_pred, n_classes):
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def format_confusion(matrix, names):
    width = max(len(name) for name in names) + 2
    lines = [
        "confusion matrix (rows: true class, columns: predicted class)",
        " " * width + "".join(f"{name:>{width}}" for name in names),
    ]
    for name, row in zip(names, matrix):
        lines.append(f"{name:<{width}}" + "".join(f"{count:>{width}}" for count in row))
    return "\n".join(lines)


class Progress:
    """One updating line on a terminal; on a pipe or file, plain lines about every 10%."""

    def __init__(self, epochs, stream=None):
        self.epochs, self.stream = epochs, stream or sys.stdout
        self.interactive = self.stream.isatty()
        self.every = max(1, epochs // 10)
        self.width = 0

    def update(self, epoch, record):
        text = (
            f"epoch {epoch:>{len(str(self.epochs))}}/{self.epochs}  "
            f"loss {record['train_loss']:.4f}  "
            f"train acc {100 * record['train_acc']:5.1f}%  "
            f"test acc {100 * record['test_acc']:5.1f}%"
        )
        if self.interactive:
            self.width = max(self.width, len(text))  # pad: a shorter line must hide a longer one
            end = "\n" if epoch == self.epochs else ""
            self.stream.write("\r" + text.ljust(self.width) + end)
            self.stream.flush()
        elif epoch % self.every == 0 or epoch == self.epochs or epoch == 1:
            self.stream.write(text + "\n")


def train(args):
    rng = np.random.default_rng(args.seed)
    X, y, feature_names, target_names = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, seed=args.split_seed
    )
    scaler = Standardizer().fit(X_train)  # statistics of the training part only
    Xs_train = scaler.transform(X_train).astype(np.float32)
    Xs_test = scaler.transform(X_test).astype(np.float32)

    model = build_model(args.model, args.hidden, rng)
    optimizer = build_optimizer(args, model.parameters())
    print(
        f"training {args.model} on {len(y_train)} iris samples, testing on {len(y_test)}; "
        f"{args.optimizer} lr={args.lr:g}, batch size {args.batch_size}, "
        f"{args.epochs} epochs, seed {args.seed}, split seed {args.split_seed}"
    )

    progress = Progress(args.epochs)
    history = []
    for epoch in range(1, args.epochs + 1):
        for X_batch, y_batch in iterate_minibatches(Xs_train, y_train, args.batch_size, seed=rng):
            loss = F.cross_entropy(model(X_batch), y_batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        train_loss, train_acc, _ = evaluate(model, Xs_train, y_train)
        test_loss, test_acc, _ = evaluate(model, Xs_test, y_test)
        record = dict(
            epoch=epoch,
            train_loss=train_loss,
            test_loss=test_loss,
            train_acc=train_acc,
            test_acc=test_acc,
        )
        history.append(record)
        progress.update(epoch, record)
    train_seconds = time.perf_counter() - START

    _, test_acc, predicted = evaluate(model, Xs_test, y_test)
    n_correct = int(np.sum(predicted == y_test))
    print(f"test accuracy: {100 * test_acc:.1f}% ({n_correct}/{len(y_test)})")
    print(format_confusion(confusion_matrix(y_test, predicted, len(target_names)), target_names))

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model_path = out / "model.npz"
    nn.save(model, model_path)
    print(f"model saved to {model_path}")

    if args.no_plots:
        print("plots skipped (--no-plots)")
    else:
        plotting = load_matplotlib()
        if plotting is None:
            print(
                'plots skipped: matplotlib is not installed; pip install ".[plot]" '
                "(or pip install matplotlib) to get curves.png and decision_regions.png"
            )
        else:
            data = (X_train, y_train, X_test, y_test, feature_names, target_names)
            paths = save_plots(plotting, out, history, model, scaler, data)
            print("plots saved to " + " and ".join(str(p) for p in paths))
    print(
        f"wall time: {time.perf_counter() - START:.2f} s "
        f"(start-up and training {train_seconds:.2f} s)"
    )
    return model, history


# --------------------------------------------------------------------------- plots


def load_matplotlib():
    """matplotlib's Figure class, or None when matplotlib is not installed.

    Figures are made with ``matplotlib.figure.Figure`` directly, not pyplot: no GUI backend is
    ever selected (``savefig`` renders with Agg) and pyplot's import cost is saved.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.colors import ListedColormap
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure, ListedColormap


CLASS_COLOURS = ["#1b9e77", "#d95f02", "#7570b3"]
REGION_COLOURS = ["#b3e2cd", "#fdcdac", "#cbd5e8"]


def save_plots(plotting, out, history, model, scaler, data):
    """Write curves.png and decision_regions.png to ``out``; return their paths."""
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

    # Decision regions over petal length x petal width (features 2 and 3); the two sepal
    # features are held at their training mean, which is 0 after standardization.
    fx, fy = 2, 3
    X_all = np.concatenate([X_train, X_test])
    lo, hi = X_all.min(axis=0) - 0.5, X_all.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[fx], hi[fx], 250), np.linspace(lo[fy], hi[fy], 250))
    grid = np.tile(scaler.mean, (gx.size, 1))
    grid[:, fx], grid[:, fy] = gx.ravel(), gy.ravel()
    with no_grad():
        regions = model(scaler.transform(grid).astype(np.float32)).argmax(axis=1)
    fig = Figure(figsize=(5.5, 4.5), layout="constrained")
    ax = fig.subplots()
    ax.imshow(
        regions.reshape(gx.shape),
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
            X_train[y_train == k, fx],
            X_train[y_train == k, fy],
            s=18,
            color=CLASS_COLOURS[k],
            label=f"{name} (train)",
        )
        ax.scatter(
            X_test[y_test == k, fx],
            X_test[y_test == k, fy],
            s=40,
            marker="^",
            color=CLASS_COLOURS[k],
            edgecolors="black",
            linewidths=0.8,
            label=f"{name} (test)",
        )
    ax.set(
        xlabel=feature_names[fx],
        ylabel=feature_names[fy],
        title="predicted class (sepal features at their mean)",
    )
    ax.legend(fontsize="small", loc="upper left")
    regions_path = out / "decision_regions.png"
    fig.savefig(regions_path, dpi=90)
    return [curves, regions_path]


def main(argv=None):
    train(parse_args(argv))


if __name__ == "__main__":
    main()
