"""The examples end to end: digits and spiral reach their accuracy and save a model that
reproduces it; every example checks its options before training, stops on a non-finite loss
without touching an existing model file, and draws its pictures only when matplotlib is there.

The full-length runs are fresh interpreters, as a user types them; the short runs call the
example's ``main(argv)`` in this process (same code path, without an interpreter's start-up).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from tinygrad_ce import nn, no_grad
from tinygrad_ce.datasets import load_digits, make_spiral, train_test_split

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# A short run of each example, and the pictures it draws.
QUICK = {
    "train_iris.py": (["--epochs", "2"], ["curves.png", "decision_regions.png"]),
    "train_digits.py": (["--epochs", "1"], ["misclassified.png"]),
    "spiral.py": (["--epochs", "5"], ["decision_regions.png"]),
}


def run_command(example, *args, cwd):
    """Run ``examples/<example>`` in a fresh interpreter, as a user would."""
    command = [sys.executable, str(EXAMPLES / example), *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


_MODULES = {}


def example_module(example):
    """The example loaded as a module (once), so that tests can call its ``main(argv)``."""
    if example not in _MODULES:
        name = "example_" + example.removesuffix(".py")
        spec = importlib.util.spec_from_file_location(name, EXAMPLES / example)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _MODULES[example] = module
    return _MODULES[example]


def run_main(example, *args, capsys):
    """(exit status, stdout, stderr) of ``main(args)``; 0 when it returns normally."""
    try:
        example_module(example).main(list(args))
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def accuracy(output, prefix):
    match = re.search(rf"^{re.escape(prefix)} ([\d.]+)% \((\d+)/(\d+)\)$", output, re.MULTILINE)
    assert match, output
    return float(match[1]), int(match[2]), int(match[3])


# --------------------------------------------------------------------------- full runs


def test_digits_reaches_97_percent_and_the_saved_model_takes_raw_pixels(tmp_path):
    result = run_command("train_digits.py", "--no-plots", "--out", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    output = result.stdout
    percent, correct, total = accuracy(output, "test accuracy:")
    assert total == 360 and percent >= 97.0
    assert re.search(r"^epoch 30/30  loss [\d.]+  train acc", output, re.MULTILINE)
    assert re.search(r"^wall time: [\d.]+ s", output, re.MULTILINE)
    assert "confusion matrix" in output

    # The saved model has the standardization folded in: on raw pixels of the same split it
    # makes the same number of correct predictions as printed.
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    nn.load(model, tmp_path / "model.npz")
    X, y, _, _ = load_digits()
    _, X_test, _, y_test = train_test_split(X, y, test_size=0.2, stratify=True, seed=2)
    with no_grad():
        predicted = np.asarray(model(X_test.astype(np.float32)).argmax(axis=1))
    assert int(np.sum(predicted == y_test)) == correct


def test_spiral_reaches_97_percent_training_accuracy(tmp_path):
    result = run_command("spiral.py", "--no-plots", "--out", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    percent, correct, total = accuracy(result.stdout, "training accuracy:")
    assert total == 300 and percent >= 97.0
    # A linear model cannot separate the arms: the reason for the hidden layer.
    linear, _, _ = accuracy(result.stdout, "a linear classifier trained the same way:")
    assert linear < 70.0
    model = nn.Sequential(nn.Linear(2, 100), nn.ReLU(), nn.Linear(100, 3))
    nn.load(model, tmp_path / "model.npz")
    X, y = make_spiral(seed=0)
    with no_grad():
        predicted = np.asarray(model(X.astype(np.float32)).argmax(axis=1))
    assert int(np.sum(predicted == y)) == correct


# --------------------------------------------------------------------------- every example


@pytest.mark.parametrize("example", sorted(QUICK))
def test_pictures_with_matplotlib(example, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    args, pictures = QUICK[example]
    status, output, err = run_main(example, *args, "--out", str(tmp_path), capsys=capsys)
    assert status == 0, err
    for name in pictures:
        path = tmp_path / name
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        assert path.stat().st_size > 5_000
        assert str(path) in output
    assert (tmp_path / "model.npz").is_file()


@pytest.mark.parametrize("example", sorted(QUICK))
def test_without_matplotlib_the_pictures_are_skipped_with_a_message(
    example, tmp_path, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    args, pictures = QUICK[example]
    status, output, err = run_main(example, *args, "--out", str(tmp_path), capsys=capsys)
    assert status == 0, err
    assert 'matplotlib is not installed; pip install ".[plot]"' in output
    assert all(name in output for name in pictures)  # it says which pictures it skipped
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]


DIVERGING = [
    ("train_iris.py", "--lr"),
    ("train_iris.py", "--weight-decay"),
    ("train_digits.py", "--lr"),
    ("train_digits.py", "--weight-decay"),
    ("spiral.py", "--lr"),
]


# What each diverging run's message names as possibly too large (the settings in use).
SUSPECTS = {
    ("train_iris.py", "--lr"): "learning rate or momentum",  # SGD, momentum 0.9, no decay
    ("train_iris.py", "--weight-decay"): "learning rate, momentum or weight decay",
    ("train_digits.py", "--lr"): "learning rate or weight decay",  # Adam, weight decay 1e-3
    ("train_digits.py", "--weight-decay"): "learning rate or weight decay",
    ("spiral.py", "--lr"): "learning rate too large",
}


def run_main_recording_warnings(example, *args, capsys):
    """``run_main``, and the warnings raised meanwhile (pytest would otherwise swallow them;
    run as a command, they would reach stderr)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, output, err = run_main(example, *args, capsys=capsys)
    return status, output, err, [str(w.message) for w in caught]


@pytest.mark.parametrize(("example", "option"), DIVERGING)
def test_a_diverging_run_stops_and_keeps_the_existing_model(example, option, tmp_path, capsys):
    model_path = tmp_path / "model.npz"
    model_path.write_bytes(b"the model of an earlier, good run")
    mtime = model_path.stat().st_mtime_ns

    # A finite value so large that the weights overflow to inf: the loss turns NaN.
    status, _, err, caught = run_main_recording_warnings(
        example, option, "1e300", "--epochs", "3", "--out", str(tmp_path), "--overwrite",
        capsys=capsys,
    )  # fmt: skip
    assert status == 1, err
    assert caught == []  # no NumPy overflow warnings before the message
    assert re.search(r"training stopped at epoch [12], step \d+: the loss is nan", err), err
    assert f"(is the {SUSPECTS[example, option]}" in err
    assert f"no model saved: {model_path} left unchanged" in err
    assert model_path.read_bytes() == b"the model of an earlier, good run"
    assert model_path.stat().st_mtime_ns == mtime
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]  # no picture, no temporary file


@pytest.mark.parametrize("example", sorted(QUICK))
def test_lr_inf_is_refused_as_one_command_and_the_model_file_stays(example, tmp_path):
    model_path = tmp_path / "model.npz"
    model_path.write_bytes(b"the model of an earlier, good run")
    result = run_command(example, "--lr", "inf", "--out", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert "argument --lr: expected a finite number > 0, got 'inf'" in result.stderr
    assert "epoch" not in result.stdout  # refused before any training
    assert model_path.read_bytes() == b"the model of an earlier, good run"


@pytest.mark.parametrize("example", sorted(QUICK))
def test_a_diverging_run_without_an_earlier_model_writes_none(example, tmp_path, capsys):
    status, _, err = run_main(
        example, "--lr", "1e300", "--epochs", "2", "--out", str(tmp_path), capsys=capsys
    )
    assert status == 1
    assert "model.npz not written" in err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("example", sorted(QUICK))
def test_out_must_be_a_writable_folder_checked_before_training(example, tmp_path, capsys):
    a_file = tmp_path / "not_a_folder"
    a_file.write_text("keep me")
    for out, message in (
        (a_file, "is a file, not a folder"),
        (a_file / "below", "cannot write there"),
    ):
        status, output, err = run_main(example, "--out", str(out), capsys=capsys)
        assert status == 2
        assert f"--out {out}: {message}" in err
        assert "epoch" not in output  # nothing was trained
    assert a_file.read_text() == "keep me"


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere"
)
def test_out_in_a_read_only_folder_is_refused(tmp_path, capsys):
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        status, _, err = run_main("spiral.py", "--out", str(folder), capsys=capsys)
    finally:
        folder.chmod(0o755)
    assert status == 2
    assert "cannot write there" in err


@pytest.mark.parametrize(
    ("example", "size", "message"),
    [
        ("train_iris.py", "0.9999", "the test part would get 150 rows and the training part none"),
        ("train_iris.py", "2", "the parts get 148 (train) and 2 (test) rows, fewer than the 3"),
        ("train_iris.py", "0.99", "the parts get 1 (train) and 149 (test) rows"),
        ("train_digits.py", "5", "and 5 (test) rows, fewer than the 10 classes"),
        ("train_digits.py", "2000", "the test part would get 2000 rows and the training part"),
        ("train_digits.py", "0", "test_size as an int is a number of samples >= 1, got 0"),
    ],
)
def test_test_size_must_leave_every_class_in_both_parts(example, size, message, tmp_path, capsys):
    status, output, err = run_main(
        example, "--test-size", size, "--out", str(tmp_path), capsys=capsys
    )
    assert status == 2
    assert f"--test-size {size}: " in err and message in err, err
    assert "epoch" not in output
    assert not (tmp_path / "model.npz").exists()


@pytest.mark.parametrize("example", sorted(QUICK))
@pytest.mark.parametrize(
    "bad", [["--epochs", "0"], ["--lr", "-1"], ["--lr", "nan"], ["--test-size", "1.5"]]
)
def test_bad_numbers_are_usage_errors(example, bad, tmp_path, capsys):
    if bad[0] == "--test-size" and example == "spiral.py":
        pytest.skip("spiral.py trains on all its points")
    status, _, err = run_main(example, *bad, "--out", str(tmp_path), capsys=capsys)
    assert status == 2
    assert f"argument {bad[0]}: expected" in err
    assert bad[1] in err


def test_option_types():
    utils = example_module("example_utils.py")
    assert utils.positive_int("3") == 3
    assert utils.positive_float("1e-3") == 1e-3
    assert utils.non_negative_float("0") == 0.0
    assert utils.fraction_or_count("0.25") == 0.25
    assert utils.fraction_or_count("30") == 30 and isinstance(utils.fraction_or_count("30"), int)
    assert utils.int_at_least(2)("2") == 2 and utils.out_folder(".") == "."
    assert utils.suspects() == "learning rate"
    assert utils.suspects(momentum=0.9) == "learning rate or momentum"
    assert utils.suspects(0.9, 1e-4) == "learning rate, momentum or weight decay"
    assert utils.plural(1, "epoch") == "1 epoch" and utils.plural(0, "epoch") == "0 epochs"
    for parse, text in [
        (utils.positive_int, "0"),
        (utils.positive_int, "2.5"),
        (utils.positive_float, "0"),
        (utils.positive_float, "inf"),
        (utils.non_negative_float, "-1e-9"),
        (utils.non_negative_float, "nan"),
        (utils.fraction_or_count, "1.0"),
        (utils.fraction_or_count, "abc"),
        (utils.int_at_least(2), "1"),
        (utils.int_at_least(2), "two"),
        (utils.out_folder, ""),
    ]:
        with pytest.raises(argparse.ArgumentTypeError, match=re.escape(repr(text))):
            parse(text)


def test_help_of_each_example(capsys):
    for example in QUICK:
        status, output, _ = run_main(example, "--help", capsys=capsys)
        assert status == 0
        for option in ("--epochs", "--lr", "--seed", "--out", "--no-plots"):
            assert option in output
    _, output, _ = run_main("train_digits.py", "--help", capsys=capsys)
    assert "split seed 2, scores" in output.replace("\n", " ")


def test_momentum_two_diverges_with_one_message_naming_the_momentum(tmp_path, capsys):
    status, _, err, caught = run_main_recording_warnings(
        "train_iris.py", "--momentum", "2", "--no-plots", "--out", str(tmp_path), capsys=capsys
    )
    assert status == 1
    assert caught == []
    assert err.startswith("error: training stopped at epoch"), err  # nothing printed before it
    assert "the loss is inf" in err or "the loss is nan" in err
    assert "(is the learning rate or momentum too large?)" in err
    assert "model.npz not written" in err
    with_adam = run_main_recording_warnings(
        "train_iris.py", "--optimizer", "adam", "--lr", "1e300", "--epochs", "2", "--out",
        str(tmp_path), capsys=capsys,
    )  # fmt: skip
    assert "(is the learning rate too large?)" in with_adam[2]  # Adam takes no momentum


OUTPUTS = {  # what each example writes into --out (pictures only with matplotlib)
    "train_iris.py": ["model.npz", "curves.png", "decision_regions.png"],
    "train_digits.py": ["model.npz", "misclassified.png"],
    "spiral.py": ["model.npz", "decision_regions.png"],
}


@pytest.mark.parametrize(
    ("example", "name"), [(e, n) for e, names in sorted(OUTPUTS.items()) for n in names]
)
def test_a_folder_in_the_way_of_an_output_is_a_usage_error_before_training(
    example, name, tmp_path, capsys
):
    (tmp_path / name).mkdir()
    status, output, err = run_main(example, "--out", str(tmp_path), capsys=capsys)
    assert status == 2
    assert f"--out {tmp_path}: {tmp_path / name} is a folder" in err
    assert "epoch" not in output
    if name != "model.npz":  # without pictures, a folder of a picture's name is in nobody's way
        args = QUICK[example][0]
        status, _, err = run_main(
            example, *args, "--no-plots", "--out", str(tmp_path), capsys=capsys
        )
        assert status == 0, err
        assert (tmp_path / "model.npz").is_file() and (tmp_path / name).is_dir()


def test_a_model_file_linked_into_a_missing_folder_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "model.npz").symlink_to(tmp_path / "gone" / "model.npz")
    status, output, err = run_main("spiral.py", "--out", str(tmp_path), capsys=capsys)
    assert status == 2
    assert "model.npz is a symbolic link to" in err and "folder that does not exist" in err
    assert "epoch" not in output


@pytest.mark.parametrize("example", sorted(QUICK))
def test_an_empty_out_is_a_usage_error(example, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, output, err = run_main(example, "--out", "", capsys=capsys)
    assert status == 2
    assert "epoch" not in output
    assert "argument --out: expected a folder, got ''" in err
    assert os.listdir(tmp_path) == []  # nothing written to the current folder


def test_a_dangling_symlink_as_out_is_a_usage_error_naming_its_target(tmp_path, capsys):
    link = tmp_path / "runs"
    link.symlink_to(tmp_path / "missing" / "folder")
    status, output, err = run_main("spiral.py", "--out", str(link), capsys=capsys)
    assert status == 2
    assert f"--out {link}: is a symbolic link to {tmp_path / 'missing' / 'folder'}" in err
    assert "which does not exist" in err and "File exists" not in err
    assert "epoch" not in output


def test_spiral_needs_two_points_per_arm(tmp_path, capsys):
    status, _, err = run_main("spiral.py", "--n-per-class", "1", capsys=capsys)
    assert status == 2
    assert "argument --n-per-class: expected a whole number >= 2" in err and "'1'" in err
    status, output, err = run_main(
        "spiral.py", "--n-per-class", "2", "--epochs", "1", "--no-plots", "--out",
        str(tmp_path), capsys=capsys,
    )  # fmt: skip
    assert status == 0, err
    assert accuracy(output, "training accuracy:")[2] == 6  # 2 points on each of the 3 arms


@pytest.mark.parametrize("example", sorted(QUICK))
def test_one_epoch_is_singular(example, tmp_path, capsys):
    for epochs, words in (("1", "1 epoch,"), ("2", "2 epochs,")):
        status, output, err = run_main(
            example, "--epochs", epochs, "--no-plots", "--out", str(tmp_path / epochs),
            capsys=capsys,
        )  # fmt: skip
        assert status == 0, err
        assert words in output.splitlines()[0], output


@pytest.mark.parametrize("example", sorted(QUICK))
def test_negative_seeds_work_as_in_pytorch(example, tmp_path, capsys):
    seeds = ["--seed", "-1"] + (["--data-seed", "-7"] if example == "spiral.py" else [])
    seeds += [] if example == "spiral.py" else ["--split-seed", "-1"]
    args = [*QUICK[example][0], "--no-plots", "--out", str(tmp_path)]
    status, output, err = run_main(example, *args, *seeds, capsys=capsys)
    assert status == 0, err
    assert "seed -1" in output.splitlines()[0]
    # A negative seed n is n % 2**64, as torch.manual_seed reads it: the same run.
    unsigned = [str(int(v) % 2**64) if re.fullmatch(r"-\d+", v) else v for v in seeds]
    status, again, err = run_main(example, *args, *unsigned, "--overwrite", capsys=capsys)
    assert status == 0, err
    assert results(output) == results(again)


def results(output):
    """The lines of a run's output that depend on the seeds (not on the timing or the echo)."""
    return [
        line
        for line in output.splitlines()[1:]
        if not line.startswith(("wall time", "model saved"))
    ]


def test_a_reader_that_goes_away_ends_the_run_quietly(tmp_path):
    # `python examples/spiral.py | head -1`: the pipe is closed before the example writes.
    command = [sys.executable, str(EXAMPLES / "spiral.py"), "--epochs", "3", "--no-plots"]
    process = subprocess.Popen(
        [*command, "--out", str(tmp_path)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()
    err = process.stderr.read()
    process.stderr.close()
    process.wait(timeout=120)
    assert process.returncode == 141, err  # 128 + SIGPIPE, as a shell reports for `head`
    assert err == b"", err.decode()  # no BrokenPipeError traceback, no "Exception ignored"


# --------------------------------------------------------------------------- files already in --out


@pytest.mark.parametrize(
    ("example", "name"), [(e, n) for e, names in sorted(OUTPUTS.items()) for n in names]
)
def test_a_file_already_in_out_is_never_replaced_without_overwrite(example, name, tmp_path, capsys):
    mine = tmp_path / name
    mine.write_bytes(b"the user's own file")
    status, output, err = run_main(example, *QUICK[example][0], "--out", str(tmp_path),
                                   capsys=capsys)  # fmt: skip
    assert status == 2
    assert f"--out {tmp_path}: {mine} already exists" in err
    assert "nothing was trained or replaced" in err and "--overwrite" in err
    assert "epoch" not in output  # refused before training
    assert mine.read_bytes() == b"the user's own file"
    assert os.listdir(tmp_path) == [name]


@pytest.mark.parametrize("example", sorted(QUICK))
def test_overwrite_replaces_the_files_of_an_earlier_run_and_says_so(example, tmp_path, capsys):
    args = [*QUICK[example][0], "--no-plots", "--out", str(tmp_path)]
    status, first, err = run_main(example, *args, capsys=capsys)
    assert status == 0, err
    model_path = tmp_path / "model.npz"
    assert f"model saved to {model_path}\n" in first or f"model saved to {model_path} (" in first
    assert "replaced" not in first
    earlier = model_path.read_bytes()
    status, _, err = run_main(example, *args, "--seed", "1", capsys=capsys)
    assert status == 2 and f"{model_path} already exists" in err
    assert model_path.read_bytes() == earlier
    status, again, err = run_main(example, *args, "--seed", "1", "--overwrite", capsys=capsys)
    assert status == 0, err
    assert f"model saved to {model_path} (replaced the earlier file: --overwrite)" in again
    assert model_path.read_bytes() != earlier  # another seed: another model


def test_the_default_out_moves_on_to_a_free_folder_and_keeps_the_earlier_run(
    tmp_path, capsys, monkeypatch
):
    """The README's one command runs again: the default --out (runs/iris) keeps an earlier
    run's files and this run writes to runs/iris-2, then runs/iris-3, saying so."""
    monkeypatch.chdir(tmp_path)
    args = ["--epochs", "2", "--no-plots"]
    assert run_main("train_iris.py", *args, capsys=capsys)[0] == 0
    first = (tmp_path / "runs" / "iris" / "model.npz").read_bytes()
    for number in (2, 3):
        status, output, err = run_main("train_iris.py", *args, "--seed", "1", capsys=capsys)
        assert status == 0, err
        folder = os.path.join("runs", f"iris-{number}")
        assert f"this run writes to {folder}" in output
        assert f"model saved to {os.path.join(folder, 'model.npz')}" in output
    assert (tmp_path / "runs" / "iris" / "model.npz").read_bytes() == first
    again = [*args, "--seed", "2", "--overwrite"]
    status, output, _ = run_main("train_iris.py", *again, capsys=capsys)
    assert status == 0 and "replaced the earlier file" in output  # asked for: runs/iris itself
    assert (tmp_path / "runs" / "iris" / "model.npz").read_bytes() != first


def test_iris_mlp_after_the_default_run_keeps_the_softmax_model(tmp_path, capsys):
    out = ["--epochs", "2", "--no-plots", "--out", str(tmp_path)]
    assert run_main("train_iris.py", *out, capsys=capsys)[0] == 0
    status, output, err = run_main("train_iris.py", "--model", "mlp", *out, capsys=capsys)
    assert status == 2 and "model.npz already exists" in err and "epoch" not in output
    nn.load(nn.Linear(4, 3), tmp_path / "model.npz")  # still the softmax regression


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hidden", "8"], "argument --hidden: only the MLP has hidden units; add --model mlp"),
        (["--model", "softmax", "--hidden", "16"], "argument --hidden"),
        (["--optimizer", "adam", "--momentum", "0.5"], "argument --momentum: only SGD takes"),
    ],
)
def test_an_option_of_another_model_or_optimizer_is_a_usage_error(args, message, tmp_path,
                                                                   capsys):  # fmt: skip
    status, output, err = run_main("train_iris.py", *args, "--out", str(tmp_path), capsys=capsys)
    assert status == 2
    assert message in err
    assert "epoch" not in output and os.listdir(tmp_path) == []


def test_progress_on_a_pipe_prints_what_the_readme_says():
    import io

    utils = example_module("example_utils.py")
    printed = {}
    for total in (60, 30, 1000, 5):  # the default runs of iris, digits, spiral; a short one
        stream = io.StringIO()  # not a terminal
        progress = utils.Progress(total, stream=stream)
        for epoch in range(1, total + 1):
            progress.update(epoch, "loss 1")
        printed[total] = [
            int(line.split()[1].split("/")[0]) for line in stream.getvalue().splitlines()
        ]
    assert printed[60] == [1, 6, 12, 18, 24, 30, 36, 42, 48, 54, 60]
    assert len(printed[30]) == len(printed[1000]) == 11
    assert printed[5] == [1, 2, 3, 4, 5]
    readme = " ".join((EXAMPLES.parent / "README.md").read_text(encoding="utf-8").split())
    assert "a progress line per epoch" not in readme
    assert "11 lines for each default run" in readme
    assert "60 epochs print epochs 1, 6, 12, ..., 60" in readme
