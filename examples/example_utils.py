"""The pieces the examples share, so that each example file shows only its data and its model.

- options: ``positive_int``, ``int_at_least``, ``positive_float``, ``fraction_or_count`` and
  ``out_folder`` argparse types that refuse nonsense (``--lr inf``, ``--epochs 0``, ``--out ""``)
  with a usage error, ``prepare_out_dir`` (``--out`` must be a writable folder, and the files
  the example writes there must not be folders, checked before training; files already there
  are replaced only with ``--overwrite``, see ``add_overwrite_option`` and ``saved_note``) and
  ``split_or_usage_error`` (``--test-size`` must leave both parts non-empty, checked before
  training); seeds are any int, negative ones included, as in PyTorch;
- training: ``Progress`` (one updating line on a terminal, a line per ~10% on a pipe),
  ``quiet_float_errors`` (no NumPy overflow warnings while training: a diverging run is reported
  once, by ``check_loss``), ``check_loss`` (a non-finite loss stops training, naming the
  settings that may be too large), ``save_model`` (refuses non-finite weights, so a diverged run
  never replaces a good model file), ``main_guard`` (turns a diverged run into a clear message
  and exit status 1) and ``run_script`` (``| head`` ends the run quietly, no traceback);
- results: ``confusion_matrix``, ``format_confusion`` and ``load_matplotlib`` (pictures are
  optional: without matplotlib the examples say how to get them and carry on).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from tinygrad_ce import nn
from tinygrad_ce.datasets import train_test_split

EXIT_DIVERGED = 1  # argparse uses 2 for usage errors


# --------------------------------------------------------------------------- options


def positive_int(text):
    """argparse type: an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive whole number, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def int_at_least(minimum, why=""):
    """argparse type: an int >= ``minimum``; ``why`` (shown in the error) says why."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            reason = f" ({why})" if why else ""
            raise argparse.ArgumentTypeError(
                f"expected a whole number >= {minimum}{reason}, got {text!r}"
            )
        return value

    return parse


def out_folder(text):
    """argparse type: a folder name; the empty string (which would mean the current folder,
    by accident) is refused."""
    if text == "":
        raise argparse.ArgumentTypeError(
            "expected a folder, got '' (give a name, or '.' for the current folder)"
        )
    return text


def positive_float(text):
    """argparse type: a finite float > 0 (``inf`` and ``nan`` are refused)."""
    return _finite_float(text, allow_zero=False)


def non_negative_float(text):
    """argparse type: a finite float >= 0."""
    return _finite_float(text, allow_zero=True)


def _finite_float(text, allow_zero):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise argparse.ArgumentTypeError(f"expected a finite number {bound}, got {text!r}")
    return value


def fraction_or_count(text):
    """argparse type: a fraction in (0, 1) or a whole number of samples (as train_test_split)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a fraction in (0, 1) or a number of samples, got {text!r}"
        ) from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a fraction in (0, 1) or a whole number of samples, got {text!r}"
        )
    return value


def add_overwrite_option(parser):
    """``--overwrite``: without it, a run refuses to write over files already in ``--out``."""
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace model.npz and the pictures an earlier run left in --out (without it, a "
        "run whose files already exist there stops before training and replaces nothing)",
    )


def prepare_out_dir(parser, out, outputs=(), overwrite=False):
    """Create ``--out`` if missing and check that it is a writable folder, before any training.

    ``outputs`` are the names of the files the example will write there (``model.npz``, the
    pictures): each must be free, or a file that can be replaced (not a folder, not a symbolic
    link into a missing folder). A file already there (an earlier run's, or the user's own) is
    replaced only with ``--overwrite`` (``overwrite``): nothing saved is ever replaced
    unasked. Left at its default, ``--out`` moves on to the next free ``<out>-2``, ``-3``, ...
    instead (so the one command of the README runs again); one given explicitly is refused.
    Errors become argparse usage errors (exit status 2), so a bad ``--out`` costs no training.
    Returns the folder and the set of output paths that already exist (the ones the run will
    replace, with ``--overwrite``), for ``saved_note``.
    """
    if not overwrite and out == parser.get_default("out"):
        out = _free_default_out(out, outputs)  # the one command always runs, and keeps the old
    path = Path(out)
    if path.is_symlink() and not path.exists():
        parser.error(
            f"--out {out}: is a symbolic link to {os.readlink(path)}, which does not exist; "
            f"create that folder or choose another --out"
        )
    if path.exists() and not path.is_dir():
        parser.error(f"--out {out}: is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass  # a file can be created there, so nn.save can write its temporary file
    except OSError as error:
        parser.error(f"--out {out}: cannot write there ({error.strerror or error})")
    for name in outputs:
        problem = _output_problem(path / name)
        if problem:
            parser.error(f"--out {out}: {path / name} {problem}; move it or choose another --out")
    existing = [path / name for name in outputs if (path / name).exists()]
    if existing and not overwrite:
        names = ", ".join(str(file) for file in existing)
        verb = "exists" if len(existing) == 1 else "exist"
        parser.error(
            f"--out {out}: {names} already {verb} (an earlier run's, or yours); nothing was "
            f"trained or replaced. Choose another --out, or pass --overwrite to replace "
            f"{'it' if len(existing) == 1 else 'them'} at the end of a successful run"
        )
    return path, set(existing)


def _free_default_out(out, outputs):
    """The default ``--out`` (``runs/iris``), or, if an earlier run left its files there, the
    first of ``runs/iris-2``, ``runs/iris-3``, ... that holds none of them (said on stdout)."""
    candidate, number = Path(out), 1
    while any((candidate / name).exists() for name in outputs):
        number += 1
        candidate = Path(f"{out}-{number}")
    if number > 1:
        print(
            f"{out} holds an earlier run's files (kept); this run writes to {candidate} "
            f"(--out chooses the folder, --overwrite replaces the files in it)"
        )
    return str(candidate)


def saved_note(path, existing):
    """``" (replaced the earlier file: --overwrite)"`` if ``path`` held a file before the run."""
    return " (replaced the earlier file: --overwrite)" if path in existing else ""


def _output_problem(file):
    """Why ``file`` cannot be written (replaced) at the end of the run, or None."""
    target = Path(os.path.realpath(file)) if file.is_symlink() else file
    if target.is_dir():
        return "is a folder"
    if file.is_symlink() and not target.parent.is_dir():
        return f"is a symbolic link to {target}, in a folder that does not exist"
    if target.exists() and not os.access(target, os.W_OK):
        return "is a file you may not write to"
    return None


def split_or_usage_error(parser, X, y, size, seed, stratify=True):
    """``train_test_split`` whose errors (a part empty, a class missing) are usage errors."""
    try:
        return train_test_split(X, y, test_size=size, stratify=stratify, seed=seed)
    except ValueError as error:
        parser.error(f"--test-size {size}: {error}")


# --------------------------------------------------------------------------- training


class TrainingDiverged(Exception):
    """The loss or the weights stopped being finite numbers."""


def quiet_float_errors():
    """A context in which NumPy's floating-point warnings (overflow, invalid value) are silent.

    Training that diverges overflows long before the loss becomes NaN; without this, NumPy
    would print a RuntimeWarning per overflowing operation before ``check_loss`` explains it.
    """
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


def suspects(momentum=0.0, weight_decay=0.0):
    """The settings that can make training diverge, for ``check_loss``'s message: the learning
    rate, and the momentum and weight decay when they are used."""
    names = ["learning rate"]
    names += ["momentum"] if momentum else []
    names += ["weight decay"] if weight_decay else []
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def check_loss(value, epoch, step, settings="learning rate"):
    """Raise TrainingDiverged if the loss ``value`` of this step is not finite.

    ``settings`` names what may be too large (see ``suspects``).
    """
    if not math.isfinite(value):
        raise TrainingDiverged(
            f"training stopped at epoch {epoch}, step {step}: the loss is {value}; the weights "
            f"blew up (is the {settings} too large?)"
        )


def plural(count, word):
    """``"1 epoch"``, ``"3 epochs"``."""
    return f"{count} {word}" + ("" if count == 1 else "s")


def save_model(model, path):
    """``nn.save(model, path)``, but never with non-finite weights.

    A diverged model must not replace the model file of an earlier good run; ``nn.save``
    itself writes atomically, so a crash mid-save cannot either.
    """
    for name, param in model.named_parameters():
        if not np.all(np.isfinite(param.data)):
            raise TrainingDiverged(f"the trained weights are not finite (parameter {name!r})")
    nn.save(model, path)


def main_guard(run, model_path):
    """Call ``run()``; if training diverged, explain on stderr and exit with status 1."""
    try:
        return run()
    except TrainingDiverged as error:
        state = "left unchanged" if Path(model_path).exists() else "not written"
        print(f"error: {error}\nno model saved: {model_path} {state}", file=sys.stderr)
        sys.exit(EXIT_DIVERGED)


EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a tool whose reader went away


def run_script(main):
    """Run ``main()`` as a command. When the reader of stdout goes away (``| head``), stop
    quietly, as other command-line tools do, instead of printing a BrokenPipeError traceback."""
    try:
        main()
        sys.stdout.flush()  # here, inside the try: a closed pipe fails now, not at exit
    except BrokenPipeError:
        # Python flushes stdout once more at exit, which would fail again ("Exception ignored");
        # point the file descriptor at devnull so that last flush succeeds.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_BROKEN_PIPE)


class Progress:
    """One updating line on a terminal; on a pipe or file, plain lines about every 10%."""

    def __init__(self, total, stream=None, label="epoch"):
        self.total, self.label = total, label
        self.stream = stream or sys.stdout
        self.interactive = self.stream.isatty()
        self.every = max(1, total // 10)
        self.width = 0

    def update(self, done, text):
        line = f"{self.label} {done:>{len(str(self.total))}}/{self.total}  {text}"
        if self.interactive:
            self.width = max(self.width, len(line))  # pad: a shorter line must hide a longer one
            end = "\n" if done == self.total else ""
            self.stream.write("\r" + line.ljust(self.width) + end)
            self.stream.flush()
        elif done % self.every == 0 or done == self.total or done == 1:
            self.stream.write(line + "\n")


# --------------------------------------------------------------------------- results


def confusion_matrix(y_true, y_pred, n_classes):
    """``matrix[t, p]`` counts the samples of true class ``t`` predicted as ``p``."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return matrix


def format_confusion(matrix, names):
    width = max(max(len(name) for name in names), len(str(matrix.max()))) + 2
    lines = [
        "confusion matrix (rows: true class, columns: predicted class)",
        " " * width + "".join(f"{name:>{width}}" for name in names),
    ]
    for name, row in zip(names, matrix):
        lines.append(f"{name:<{width}}" + "".join(f"{count:>{width}}" for count in row))
    return "\n".join(lines)


def load_matplotlib():
    """matplotlib's ``Figure`` class and ``ListedColormap``, or None when it is not installed.

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


PLOTS_MISSING = (
    'pictures skipped: matplotlib is not installed; pip install ".[plot]" '
    "(or pip install matplotlib) to get {names}"
)
