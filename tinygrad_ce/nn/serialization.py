"""Save a module's parameters to a ``.npz`` file and load them back.

The file is an ordinary NumPy ``.npz`` archive of the ``state_dict`` (``numpy.load(path)`` reads
it; keys are the dotted parameter names), written without pickles and read with
``allow_pickle=False``, so loading a file never runs code from it.

Saving is atomic: the archive is written to a temporary file in the same folder, flushed to disk,
then renamed over ``path`` (``os.replace``, atomic on POSIX and Windows). A crash or an exception
mid-save leaves either the old file or the new one under ``path``, never half of one, and the
temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import uuid
import zipfile

import numpy as np

from tinygrad_ce.nn.module import Module

__all__ = ["load", "save"]


def _write_npz(fh, state):
    """The archive ``numpy.savez`` would write, but any key works (even ``file``) and no pickles."""
    with zipfile.ZipFile(fh, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, array in state.items():
            with zf.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)


def _fsync_directory(directory):
    """Make the rename itself durable where the OS allows it (best effort; not on Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save(module: Module, path) -> None:
    """Write ``module.state_dict()`` to ``path`` as a ``.npz`` archive, atomically.

    ``path`` is used exactly as given (no ``.npz`` suffix is added); its folder must exist.
    An existing file is replaced only once the new one is completely written.

    >>> import os, tempfile
    >>> from tinygrad_ce.nn import Linear
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = os.path.join(folder.name, "model.npz")
    >>> save(Linear(4, 3, rng=0), path)
    >>> os.listdir(folder.name)
    ['model.npz']
    >>> folder.cleanup()
    """
    if not isinstance(module, Module):
        raise TypeError(f"save expects a Module, got {type(module).__name__}")
    path = os.fspath(path)
    state = module.state_dict()
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {path!r}: the folder {directory!r} does not exist")
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with open(temporary, "xb") as fh:
            _write_npz(fh, state)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    _fsync_directory(directory)


def _read_npz(fh):
    magic = fh.read(6)
    fh.seek(0)
    if not magic:
        raise ValueError("the file is empty")
    if magic.startswith(b"\x93NUMPY"):
        raise ValueError("it holds a single array (.npy format), not an .npz archive")
    if not magic.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # a zip file, or an empty one
        raise ValueError(f"it is not an .npz (zip) archive: it starts with {magic!r}")
    loaded = np.load(fh, allow_pickle=False)
    state = {}
    with loaded:
        for name in loaded.files:
            value = loaded[name]
            if not isinstance(value, np.ndarray):  # NpzFile returns a non-.npy member as bytes
                raise ValueError(f"archive member {name!r} is not a NumPy array")
            state[name] = value
    return state


def load(module: Module, path) -> Module:
    """Load parameters saved by ``save`` into ``module`` (in place) and return the module.

    Raises ``FileNotFoundError`` if there is no file at ``path``; ``ValueError`` if the file is
    corrupt or not an ``.npz`` archive, or was saved from another architecture (the message
    names the missing and unexpected keys, or the keys whose shapes differ, with both shapes).
    On any error the module is left unchanged.

    >>> import os, tempfile
    >>> from tinygrad_ce.nn import Linear
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = os.path.join(folder.name, "model.npz")
    >>> trained = Linear(4, 3, rng=0)
    >>> save(trained, path)
    >>> fresh = load(Linear(4, 3, rng=1), path)
    >>> bool((fresh.weight.data == trained.weight.data).all())
    True
    >>> load(Linear(4, 2), path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: ...model.npz: cannot load state dict into Linear: 'weight': shape (3, 4) in the state dict, (2, 4) in the module; 'bias': shape (3,) in the state dict, (2,) in the module
    >>> folder.cleanup()
    """  # noqa: E501
    if not isinstance(module, Module):
        raise TypeError(f"load expects a Module, got {type(module).__name__}")
    path = os.fspath(path)
    try:
        fh = open(path, "rb")  # closed by the with-block below
    except FileNotFoundError:
        raise FileNotFoundError(f"no saved model at {path!r}: the file does not exist") from None
    with fh:
        try:
            state = _read_npz(fh)
        except Exception as exc:  # BadZipFile, ValueError, EOFError, OSError, ... from a bad file
            raise ValueError(
                f"{path}: not a readable model file (corrupt, truncated, or not made by "
                f"nn.save): {type(exc).__name__}: {exc}"
            ) from exc
    try:
        module.load_state_dict(state)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return module
