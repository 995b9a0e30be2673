"""Save a module's parameters to a ``.npz`` file and load them back.

The file is an ordinary NumPy ``.npz`` archive of the ``state_dict`` (``numpy.load(path)`` reads
it; keys are the dotted parameter names), written without pickles and read with
``allow_pickle=False``, so loading a file never runs code from it.

Saving is atomic: the archive is written to a temporary file in the same folder, flushed to disk,
then renamed over ``path`` (``os.replace``, atomic on POSIX and Windows). A crash or an exception
mid-save leaves either the old file or the new one under ``path``, never half of one, and the
temporary file is removed. Replacing a file keeps its permission bits (a 0600 file stays 0600); a
``path`` that is a symbolic link is written through (its target is replaced, the link stays); a
file we may not write to (read-only) is refused with ``PermissionError``, as ``open(path, "wb")``
would refuse it.

Loading checks the archive against the module from the ``.npy`` headers alone (names, shapes,
dtypes) before it reads any array, so a file made for another model, or one holding a huge extra
array, is rejected with memory bounded by the headers; only then are the arrays read, and they are
the model's own size.
"""

from __future__ import annotations

import contextlib
import os
import stat
import uuid
import zipfile

import numpy as np

from tinygrad_ce.nn.module import Module, _state_problems

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
    An existing file is replaced only once the new one is completely written, and keeps its
    permission bits; a symbolic link is written through to its target (the link stays a link).
    A file without write permission is refused (``PermissionError``), as is a folder
    (``IsADirectoryError``). The new file is written next to the target and renamed over it, so
    the folder must be writable too; any ``OSError`` while writing (a read-only folder, a full
    disk) is raised again as the same kind of error naming ``path`` and its folder.

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
    # Through a symlink: replace its target, so the link keeps pointing at the new model.
    target = os.path.realpath(path) if os.path.islink(path) else path
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {path!r}: the folder {directory!r} does not exist")
    if os.path.isdir(target):
        raise IsADirectoryError(f"cannot save to {path!r}: it is a folder")
    mode = None
    if os.path.exists(target):
        if not os.access(target, os.W_OK):
            raise PermissionError(
                f"cannot save to {path!r}: the file exists and is not writable (read-only); "
                f"change its permissions or save elsewhere"
            )
        mode = stat.S_IMODE(os.stat(target).st_mode)
    temporary = os.path.join(directory, f".{os.path.basename(target)}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with open(temporary, "xb") as fh:
            _write_npz(fh, state)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(temporary, mode)  # the replaced file's permissions, not the umask's
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        # The OS names the temporary file; say which file the user asked for, and why a
        # folder they may not write to fails even when the file itself is writable.
        reason = error.strerror or str(error)
        message = (
            f"cannot save to {path!r}: {reason} (nn.save writes a temporary file in the folder "
            f"{directory!r}, then renames it over the target, so it needs write access to the "
            f"folder)"
        )
        raise (OSError(error.errno, message) if error.errno else OSError(message)) from error
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    _fsync_directory(directory)


def _read_header(member):
    """``(shape, dtype)`` from the header of an ``.npy`` member; no array data is read."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(member)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise ValueError(f".npy format version {version} is not supported")
    return shape, dtype


def _read_npz(fh, module):
    """The archive's arrays, read only once its headers match the module; a mismatch raises
    ``_Mismatch`` with the messages of ``load_state_dict``, a bad file another exception."""
    magic = fh.read(6)
    fh.seek(0)
    if not magic:
        raise ValueError("the file is empty")
    if magic.startswith(b"\x93NUMPY"):
        raise ValueError("it holds a single array (.npy format), not an .npz archive")
    if not magic.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # a zip file, or an empty one
        raise ValueError(f"it is not an .npz (zip) archive: it starts with {magic!r}")
    with zipfile.ZipFile(fh) as zf:
        members = {}
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                raise ValueError(f"archive member {info.filename!r} is not a NumPy array")
            name = info.filename[: -len(".npy")]
            if name in members:
                raise ValueError(f"the archive holds two arrays named {name!r}")
            members[name] = info
        own = dict(module._all_named_parameters())
        described = {}
        for name, info in members.items():
            if name in own:
                with zf.open(info) as member:
                    described[name] = _read_header(member)
        missing = [name for name in own if name not in members]
        unexpected = [name for name in members if name not in own]
        problems = _state_problems(own, described, missing, unexpected, strict=True)
        if problems:
            raise _Mismatch(
                f"cannot load state dict into {type(module).__name__}: " + "; ".join(problems)
            )
        state = {}
        for name, info in members.items():
            with zf.open(info) as member:
                state[name] = np.lib.format.read_array(member, allow_pickle=False)
    return state


class _Mismatch(ValueError):
    """A readable archive made for another architecture (not a corrupt file)."""


def load(module: Module, path) -> Module:
    """Load parameters saved by ``save`` into ``module`` (in place) and return the module.

    The archive's names, shapes and dtypes are checked against the module from the ``.npy``
    headers, before any array is read (an archive with an extra, huge array costs nothing).
    Raises ``FileNotFoundError`` if there is no file at ``path``; ``ValueError`` if the file is
    corrupt or not an ``.npz`` archive, or was saved from another architecture (the message
    names the missing and unexpected keys, the keys whose shapes differ with both shapes, or a
    non-numeric dtype). On any error the module is left unchanged.

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
            state = _read_npz(fh, module)
        except _Mismatch as exc:
            raise ValueError(f"{path}: {exc}") from None
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
