"""Training toy classifiers: the iris example end to end, and softmax regression reaching the
optimum of its convex L2-regularised objective. (What every example shares, option checks,
divergence, pictures with and without matplotlib, is tested in tests/test_examples.py.)"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygrad_ce import functional as F
from tinygrad_ce import nn, no_grad, optim
from tinygrad_ce.datasets import Standardizer, load_iris, train_test_split

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "train_iris.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_example(*args, cwd):
    """Run the example in a fresh interpreter, as a user would."""
    command = [sys.executable, str(EXAMPLE), *args]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def parse_test_accuracy(output):
    match = re.search(r"^test accuracy: ([\d.]+)% \((\d+)/(\d+)\)$", output, re.MULTILINE)
    assert match, output
    return float(match[1]), int(match[2]), int(match[3])


def without_timings(output):
    return "\n".join(line for line in output.splitlines() if not line.startswith("wall time"))


# --------------------------------------------------------------------------- the example


def test_default_run_reaches_95_percent_and_saves_the_trained_model(tmp_path):
    out = tmp_path / "run"
    output = run_example("--out", str(out), "--no-plots", cwd=tmp_path)
    percent, correct, total = parse_test_accuracy(output)
    assert total == 30 and correct >= 29 and percent >= 95.0
    assert "confusion matrix" in output
    for name in ("setosa", "versicolor", "virginica"):
        assert re.search(rf"^{name}\s+\d+\s+\d+\s+\d+$", output, re.MULTILINE), output
    assert re.search(r"^wall time: [\d.]+ s", output, re.MULTILINE)
    model_path = out / "model.npz"
    assert f"model saved to {model_path}" in output

    # The saved file is the trained model: loaded into a fresh Linear(4, 3), it reproduces the
    # printed test accuracy on the same split.
    model = nn.load(nn.Linear(4, 3, rng=123), model_path)
    X, y, _, _ = load_iris()
    X_train, X_test, _, y_test = train_test_split(X, y, test_size=0.2, stratify=True, seed=3)
    X_test = Standardizer().fit(X_train).transform(X_test).astype(np.float32)
    with no_grad():
        predicted = model(X_test).argmax(axis=1)
    assert int(np.sum(predicted == y_test)) == correct


def test_same_seed_same_numbers_and_another_seed_other_numbers(tmp_path):
    args = ["--epochs", "4", "--no-plots"]
    first = run_example(*args, "--out", str(tmp_path / "a"), cwd=tmp_path)
    second = run_example(*args, "--out", str(tmp_path / "b"), cwd=tmp_path)
    other = run_example(*args, "--seed", "1", "--out", str(tmp_path / "c"), cwd=tmp_path)
    assert "epoch 4/4" in first
    assert without_timings(first.replace(str(tmp_path / "a"), "OUT")) == without_timings(
        second.replace(str(tmp_path / "b"), "OUT")
    )
    with np.load(tmp_path / "a" / "model.npz") as a, np.load(tmp_path / "b" / "model.npz") as b:
        assert all(np.array_equal(a[k], b[k]) for k in a.files)
    losses = re.findall(r"loss ([\d.]+)", first)
    assert losses and losses != re.findall(r"loss ([\d.]+)", other)


def test_mlp_with_adam_trains_and_saves_a_sequential(tmp_path):
    args = "--model mlp --optimizer adam --hidden 8 --epochs 30 --batch-size 32 --no-plots"
    output = run_example(*args.split(), "--out", str(tmp_path), cwd=tmp_path)
    percent, _, _ = parse_test_accuracy(output)
    assert percent >= 80.0
    mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    nn.load(mlp, tmp_path / "model.npz")
    with pytest.raises(ValueError, match="missing keys"):
        nn.load(nn.Linear(4, 3), tmp_path / "model.npz")


def test_progress_lines_on_a_pipe(tmp_path):
    output = run_example("--epochs", "20", "--no-plots", "--out", str(tmp_path), cwd=tmp_path)
    assert "\r" not in output
    epochs = re.findall(
        r"^epoch\s+(\d+)/20  loss [\d.]+  train acc\s+[\d.]+%  test acc", output, re.MULTILINE
    )
    assert epochs == ["1", "2", "4", "6", "8", "10", "12", "14", "16", "18", "20"]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_is_one_updating_line_on_a_terminal(tmp_path):
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "--epochs", "5", "--no-plots", "--out", str(tmp_path)],
        cwd=tmp_path,
        stdout=follower,
        stderr=subprocess.PIPE,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO once the child has exited (Linux)
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=60) == 0, proc.stderr.read()
    text = b"".join(chunks).decode()
    assert text.count("\repoch") == 5
    assert "\repoch 5/5" in text


def test_help_documents_the_options(tmp_path):
    output = run_example("--help", cwd=tmp_path)
    for option in (
        "--model",
        "--epochs",
        "--lr",
        "--optimizer",
        "--batch-size",
        "--seed",
        "--split-seed",
        "--out",
        "--no-plots",
    ):
        assert option in output
    assert "runs/iris" in output.replace(os.sep, "/")


def test_decision_regions_are_those_of_a_model_of_the_plotted_features(
    tmp_path, monkeypatch, capsys
):
    # The case: an MLP trained with Adam for 200 epochs classifies every test setosa
    # correctly, yet the old picture (sepal features held at their mean) drew all of them in
    # the versicolor region. The picture now shows a model of petal length and width only.
    spec = importlib.util.spec_from_file_location("example_train_iris", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    drawn = {}

    def capture(plotting, out, history, petal_model, full_test_acc, scaler, data):
        drawn.update(petal_model=petal_model, scaler=scaler, data=data)
        return []

    monkeypatch.setattr(example, "load_matplotlib", lambda: ("Figure", "ListedColormap"))
    monkeypatch.setattr(example, "save_plots", capture)
    args = [*"--model mlp --optimizer adam --epochs 200 --out".split(), str(tmp_path)]
    example.main(args)
    output = capsys.readouterr().out

    petal_model = drawn["petal_model"]
    assert petal_model.state_dict()["0.weight"].shape == (16, 2)  # two input features
    X_train, y_train, X_test, y_test, feature_names, _ = drawn["data"]
    predict = example.petal_predictor(petal_model, drawn["scaler"])
    assert [feature_names[k] for k in example.PETAL] == ["petal length (cm)", "petal width (cm)"]
    # Every setosa, train and test, lies in the setosa region of the picture.
    for X, y in ((X_train, y_train), (X_test, y_test)):
        assert np.all(predict(X[y == 0][:, example.PETAL]) == 0)
    # The caption printed with the picture gives that model's own test accuracy.
    petal_acc = 100 * np.mean(predict(X_test[:, example.PETAL]) == y_test)
    assert f"petal length and width only (its test accuracy: {petal_acc:.1f}%)" in output
    assert petal_acc >= 90.0


# --------------------------------------------------------------------------- the optimum

LAMBDA = 0.01


def objective(theta, X, Y):
    """Mean cross-entropy + LAMBDA/2 * ||theta||^2 of softmax regression and its gradient,
    in plain NumPy (independent of the autodiff engine). theta = (W (3x4) row-major, b (3))."""
    W, b = theta[:12].reshape(3, 4), theta[12:]
    Z = X @ W.T + b
    Z = Z - Z.max(axis=1, keepdims=True)
    log_p = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    n = len(X)
    value = -(Y * log_p).sum() / n + LAMBDA / 2 * theta @ theta
    G = (np.exp(log_p) - Y) / n
    return value, np.concatenate([(G.T @ X).ravel(), G.sum(axis=0)]) + LAMBDA * theta


@pytest.fixture(scope="module")
def trained():
    """Full-batch SGD (Nesterov) with weight_decay = LAMBDA on all 150 standardized flowers."""
    X, y, _, _ = load_iris()
    X = Standardizer().fit_transform(X)
    layer = nn.Linear(4, 3, rng=0, dtype=np.float64)
    opt = optim.SGD(layer.parameters(), lr=0.5, momentum=0.9, nesterov=True, weight_decay=LAMBDA)
    for _ in range(400):
        opt.zero_grad()
        F.cross_entropy(layer(X), y).backward()
        opt.step()
    # The gradient of the regularised objective at the end, from the engine:
    layer.zero_grad()
    loss = F.cross_entropy(layer(X), y)
    loss.backward()
    engine_grad = np.concatenate([(p.grad + LAMBDA * p.data).ravel() for p in layer.parameters()])
    theta = np.concatenate([layer.weight.data.ravel(), layer.bias.data])
    return X, np.eye(3)[y], theta, loss.item(), engine_grad


def test_softmax_regression_reaches_the_optimum(trained):
    X, Y, theta, loss, engine_grad = trained
    value, grad = objective(theta, X, Y)
    assert np.linalg.norm(engine_grad) < 1e-6
    assert np.linalg.norm(grad) < 1e-6  # the independent NumPy gradient agrees: a stationary point
    assert value == pytest.approx(loss + LAMBDA / 2 * theta @ theta, rel=1e-12)
    # The objective is LAMBDA-strongly convex, so f(theta) - f* <= ||grad||^2 / (2 LAMBDA), and
    # every other point is worse: check random and radial perturbations, and the origin.
    perturbations = np.random.default_rng(0).normal(scale=1e-3, size=(20, theta.size))
    assert all(objective(theta + d, X, Y)[0] > value for d in perturbations)
    assert all(objective(scale * theta, X, Y)[0] > value for scale in (0.9, 0.99, 1.01, 1.1))
    assert value < objective(np.zeros_like(theta), X, Y)[0] - 0.8  # f(0) = log(3) = 1.0986


def test_softmax_regression_optimum_matches_scipy(trained):
    optimize = pytest.importorskip("scipy.optimize")
    X, Y, theta, _, _ = trained
    value, grad = objective(theta, X, Y)
    result = optimize.minimize(
        objective,
        np.zeros_like(theta),
        args=(X, Y),
        jac=True,
        method="L-BFGS-B",
        options=dict(gtol=1e-12, ftol=1e-15, maxiter=10_000),
    )
    scipy_grad = np.linalg.norm(objective(result.x, X, Y)[1])
    assert value <= result.fun + 1e-12
    # Strong convexity bounds the distance between two near-stationary points.
    bound = (np.linalg.norm(grad) + scipy_grad) / LAMBDA
    assert np.linalg.norm(theta - result.x) <= bound + 1e-9
    np.testing.assert_allclose(theta, result.x, atol=1e-5)
