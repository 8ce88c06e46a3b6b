"""The frame store: every picture an interactive figure has drawn, kept by what made it.

A frame's address is a hash of everything that decides its pixels: the figure's name, its
setting line (``figure.state``, every parameter), the course seed, the resolution, and a hash
of the package's own source plus the versions of the libraries that draw (matplotlib, numpy,
torch, Pillow). A frame drawn by other code, another seed or another library is therefore
never found, only drawn anew. Frames are lossless WebP: the same pixels as the live panel's
PNG (a test decodes both), three to five times smaller, and shown by every current browser.

Who uses it:
- the handout builder fills it (``python -m helpers.handouts --frames-only`` fills it alone,
  before a class) and embeds its frames in the handouts' explorable figures;
- the live panel looks a frame up before drawing it, so a preset click or a slider step onto a
  stored setting shows at once;
- several kernels (a class on one server) and several build workers share one folder: a frame
  is written to a temporary file and renamed into place (readers never see half a frame), and
  a frame is claimed (``FrameStore.claim``: a lock per frame, taken by ``get_or_render`` and by
  the live panel) before it is drawn, so that when twenty kernels ask for the same new frame at
  once one draws it and the others wait for it and read it.

Where: ``$HELPERS_FRAMES`` if set (``off`` turns the store off), else ``build/frames`` in the
repository the package was installed from (editable install), else a cache folder in the
user's home. Bounded: past ``max_bytes`` (``$HELPERS_FRAMES_MAX_MB``, default 1024 MB) the
frames used longest ago are removed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import tempfile
import time
import types
from pathlib import Path

try:  # POSIX file locks; elsewhere (Windows) two kernels may draw the same frame twice
    import fcntl
except ImportError:  # pragma: no cover - not on the course machine
    fcntl = None

ENVIRONMENT_VARIABLE = "HELPERS_FRAMES"
SIZE_VARIABLE = "HELPERS_FRAMES_MAX_MB"
FORMAT_VERSION = "webp-lossless-1"  # change it when the way frames are drawn or encoded changes
WEBP_MAGIC = (b"RIFF", b"WEBP")
PACKAGE = Path(__file__).resolve().parent
CLAIM_PATIENCE_S = 10.0  # a frame another process draws for longer than this is drawn here too


def source_hash() -> str:
    """A hash of the package's code (every .py file) and of the versions of the libraries that
    decide a frame's pixels: any change to either gives frames new addresses."""
    global _source_hash
    if _source_hash is None:
        import matplotlib
        import numpy
        import PIL
        import torch

        digest = hashlib.sha256(FORMAT_VERSION.encode())
        for name in ("matplotlib", "numpy", "torch", "PIL"):
            module = {"matplotlib": matplotlib, "numpy": numpy, "torch": torch, "PIL": PIL}[name]
            digest.update(f"{name}={module.__version__}\n".encode())
        for path in sorted(PACKAGE.rglob("*")):
            if path.is_file() and path.suffix == ".py":
                digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
        _source_hash = digest.hexdigest()[:16]
    return _source_hash


_source_hash = None


def default_folder() -> Path | None:
    """Where the store lives (see the module's doc); None when ``$HELPERS_FRAMES`` is ``off``."""
    chosen = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen).expanduser()
    repository = PACKAGE.parent
    if (repository / "pyproject.toml").exists() and os.access(repository, os.W_OK):
        return repository / "build" / "frames"
    return Path.home() / ".cache" / "vanishing-gradients-course" / "frames"


def own_figure_hash(figure) -> str:
    """ "" for a course figure (its drawing code is the package's, in ``source_hash``); for any
    other figure (a lecturer's own, in a notebook; a course figure copied with a change; a
    test's), a hash of its drawing functions' code and the values they hold (defaults, closure
    cells, a partial's arguments), its figure size and title, so that a frame drawn before the
    figure was edited is never shown after. (Globals its functions read, e.g. a notebook's
    variables, are not seen: change the figure's name when you change those.)"""
    from .figures import FIGURES

    functions = [f for f in (figure.draw, figure.frame, figure.relevant) if f is not None]
    in_package = all(
        getattr(f, "__module__", None) and f.__module__.partition(".")[0] == "helpers"
        for f in functions
    )
    if in_package and FIGURES.get(figure.name) is figure:  # (a lecturer may register one too)
        return ""
    digest = hashlib.sha256(repr((figure.figsize, figure.title)).encode())
    for function in functions:
        _digest_function(function, digest)
    return digest.hexdigest()


def _digest_function(function, digest) -> None:
    while isinstance(function, functools.partial):
        digest.update(_stable_repr((function.args, sorted(function.keywords.items()))).encode())
        function = function.func
    code = getattr(function, "__code__", None)
    if code is None:  # a callable object: by its type's name and its attributes
        digest.update(
            _stable_repr(
                (
                    type(function).__qualname__,
                    vars(function) if hasattr(function, "__dict__") else function,
                )
            ).encode()
        )
        return
    _digest_code(code, digest)
    cells = [cell.cell_contents for cell in (function.__closure__ or ()) if _has_contents(cell)]
    for held in (function.__defaults__, function.__kwdefaults__, cells):
        digest.update(_stable_repr(held).encode())


def _has_contents(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:  # an empty cell (a name bound later)
        return False
    return True


def _stable_repr(value) -> str:
    """repr, with sets in sorted order (a set's order changes with PYTHONHASHSEED, so from one
    kernel to the next) and functions by their code."""
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(map(_stable_repr, value))) + "}"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{_stable_repr(k)}: {_stable_repr(v)}" for k, v in value.items()) + "}"
        )
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(map(_stable_repr, value)) + ")"
    if isinstance(value, types.FunctionType):
        digest = hashlib.sha256()
        _digest_code(value.__code__, digest)
        return f"<function {digest.hexdigest()[:16]}>"
    return repr(value)


def _digest_code(code, digest) -> None:
    """What a function does, not where it was defined (a notebook cell's file name carries its
    kernel's process id): its bytecode, names and constants, nested functions included."""
    digest.update(code.co_code)
    digest.update(repr(code.co_names).encode())
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            _digest_code(constant, digest)
        else:
            digest.update(_stable_repr(constant).encode())


def encode_webp(rgb, description: str | None = None, fast: bool = False) -> bytes:
    """An (height, width, 3) uint8 array as lossless WebP (exactly these pixels). A frame's
    ``description`` (its text alternative, ``helpers.describe``) travels inside it, in the
    WebP's metadata chunk ("XMP "), so that a frame read from the store is described without
    being drawn, and a frame and its description can never part. ``fast``: the least
    compression effort (the live panel stores what it drew while its user waits for the next
    redraw); the same pixels, a somewhat larger file."""
    from PIL import Image

    buffer = io.BytesIO()
    extra = {"xmp": description.encode("utf-8")} if description else {}
    effort = {"method": 2, "quality": 0} if fast else {"method": 4}  # ~9 ms, not ~40 ms
    Image.fromarray(rgb, "RGB").save(buffer, "WEBP", lossless=True, exact=True, **effort, **extra)
    return buffer.getvalue()


def description_of(data: bytes) -> str | None:
    """The description stored in a frame by ``encode_webp``, or None (read from the WebP's
    chunks directly: no decoding of the picture)."""
    if data[:4] != WEBP_MAGIC[0] or data[8:12] != WEBP_MAGIC[1]:
        return None
    at = 12
    while at + 8 <= len(data):
        kind, size = data[at : at + 4], int.from_bytes(data[at + 4 : at + 8], "little")
        if kind == b"XMP ":
            return data[at + 8 : at + 8 + size].decode("utf-8", errors="replace")
        at += 8 + size + (size & 1)
    return None


def decode(data: bytes):
    """A frame (WebP or PNG bytes) as an (height, width, 3) uint8 array."""
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


class FrameStore:
    """A folder of frames addressed by content (see the module's doc)."""

    def __init__(self, folder: Path | str, max_bytes: int | None = None):
        self.folder = Path(folder)
        if max_bytes is None:
            megabytes = os.environ.get(SIZE_VARIABLE, "").strip()
            try:
                max_bytes = int(float(megabytes) * 2**20) if megabytes else 1024 * 2**20
            except ValueError:
                raise ValueError(
                    f"{SIZE_VARIABLE} must be a number of megabytes; got {megabytes!r}"
                ) from None
        if max_bytes <= 0:
            raise ValueError(
                f"the frame store's size bound must be positive; got {max_bytes} bytes"
            )
        self.max_bytes = max_bytes
        self.hits = self.misses = 0
        self._written_since_trim = 0

    # -- addresses ---------------------------------------------------------------------
    def key(self, figure, values: dict, dpi: int) -> str:
        from .seeding import course_seed

        text = "\n".join(
            [
                figure.name,
                figure.state(**values),
                f"seed={course_seed()}",
                f"dpi={dpi}",
                source_hash(),
                own_figure_hash(figure),
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.webp"

    # -- reading and writing -----------------------------------------------------------
    def get(self, key: str) -> bytes | None:
        """The frame stored at ``key``, or None."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        if data[:4] != WEBP_MAGIC[0] or data[8:12] != WEBP_MAGIC[1]:  # not ours: never shown
            self.misses += 1
            return None
        self.hits += 1
        try:
            os.utime(path)  # used now: the last to be removed when the store is trimmed
        except OSError:
            pass
        return data

    def put(self, key: str, data: bytes, trim: bool = True) -> None:
        """Store ``data`` at ``key``: written aside, then renamed into place (atomic); then
        ``trim_if_due`` unless ``trim`` is False (a claim trims once it has let go)."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._written_since_trim += len(data)
        if trim:
            self.trim_if_due()

    def trim_if_due(self) -> None:
        """Trim (below) once a twentieth of the bound has been written since the last time."""
        if self._written_since_trim > self.max_bytes // 20:
            self.trim()

    def get_or_render(self, key: str, render) -> bytes:
        """The frame at ``key``; if there is none, ``render()`` (which returns its bytes) is
        called and its frame stored, under a lock held for this key alone: another process
        asking for the same frame meanwhile waits, then reads it instead of drawing it too."""
        with self.claim(key) as claim:
            if claim.found is not None:
                return claim.found
            data = render()
            claim.put(data)
            return data

    @contextlib.contextmanager
    def claim(self, key: str, patience: float = CLAIM_PATIENCE_S):
        """The right to draw the frame at ``key``: yields a ``Claim`` whose ``found`` is the frame
        if it is stored (after waiting, if another process is drawing it, until that one has stored
        it), else None: then the caller draws it and stores it (``claim.put``, or
        ``claim.put_in_background``) while any other process claiming it waits. (The live panel
        says it is busy if that takes long: ``display.panel._BusyCue``.) After
        ``patience`` seconds of waiting, or when the lock cannot be had at all (a store this user
        may read but not write), the caller draws the frame itself, unclaimed: a store never stops a
        picture. The system releases a dying process's lock (unless a child it forked still holds
        the file open); the next one then draws."""
        found, lock = self.get(key), None
        if found is None and fcntl is not None:
            lock = self._lock(key, patience)
            if lock is not None:
                found = self.get(key)  # drawn by the lock's last holder while we waited?
        claim = Claim(self, key, found, lock)
        try:
            yield claim
        finally:
            if not claim.handed_over:
                claim.release()

    def _lock(self, key: str, patience: float):
        """The frame's lock file, locked; or None if it cannot be had within ``patience``."""
        lock_path = self.folder / "locks" / f"{key}.lock"
        try:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            lock = open(lock_path, "a")
        except OSError:
            return None
        start = time.monotonic()
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() - start > patience:
                    lock.close()
                    return None
                time.sleep(0.005)
            except OSError:
                lock.close()
                return None
        with contextlib.suppress(OSError):
            os.utime(lock_path)  # in use: trim() removes only locks nobody took in an hour
        return lock

    def frames(self) -> list[Path]:
        return [p for p in self.folder.glob("??/*.webp")]

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.frames() if p.exists())

    def trim(self) -> int:
        """Remove the frames used longest ago until the store holds at most 80 % of its bound
        (and lock files of frames nobody asked for in an hour). Returns the bytes removed."""
        self._written_since_trim = 0
        entries = []
        for path in self.frames():
            try:
                stat = path.stat()
            except OSError:  # removed meanwhile by another process
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        removed = 0
        if total > self.max_bytes:
            for _, size, path in sorted(entries):
                if total - removed <= 0.8 * self.max_bytes:
                    break
                path.unlink(missing_ok=True)
                removed += size
        stale = time.time() - 3600
        for lock in (self.folder / "locks").glob("*.lock"):
            try:
                if lock.stat().st_mtime < stale:
                    lock.unlink()
            except OSError:
                pass
        return removed


class Claim:
    """A frame claimed in a ``FrameStore`` (see ``FrameStore.claim``)."""

    def __init__(self, store: FrameStore, key: str, found: bytes | None, lock):
        self.store, self.key, self.found, self._lock = store, key, found, lock
        self.handed_over = False

    def put(self, data: bytes) -> None:
        self.store.put(self.key, data, trim=False)  # trimmed on release, not while held

    def put_in_background(self, encode) -> None:
        """Call ``encode()`` (which returns the frame's bytes) on this process's writer thread
        and store what it returns; the frame stays claimed until then, so another process
        asking for it meanwhile waits and reads it. For the live panel: its picture is sent
        first, and the WebP encoding (10–50 ms, which releases Python's lock) costs its own
        thread nothing."""
        _writer().submit(self._finish, encode)  # (if this raises, the claim is released)
        self.handed_over = True

    def _finish(self, encode) -> None:
        try:
            self.put(encode())
        except Exception as error:  # a full disk, a store turned read-only: said, not fatal
            import logging

            logging.getLogger(__name__).warning("frame %s not stored: %r", self.key[:12], error)
        finally:
            self.release()

    def release(self) -> None:
        """Let the frame go; then trim the store if it is due (never while others wait)."""
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None
        with contextlib.suppress(OSError):
            self.store.trim_if_due()


_writer_pool = None


def _writer():
    global _writer_pool
    if _writer_pool is None:
        from concurrent.futures import ThreadPoolExecutor

        _writer_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="frame-writer")
    return _writer_pool


def _forget_the_writer() -> None:  # a forked child has no writer thread: it starts its own
    global _writer_pool
    _writer_pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_the_writer)


def wait_for_writes() -> None:
    """Until every frame handed to the writer thread (``Claim.put_in_background``) is stored."""
    if _writer_pool is not None:
        _writer_pool.submit(lambda: None).result()


_default_store: FrameStore | None = None
_default_for: Path | None = None


def default_store() -> FrameStore | None:
    """The store at ``default_folder()`` (None when turned off), one object per folder."""
    global _default_store, _default_for
    folder = default_folder()
    if folder is None:
        return None
    if _default_store is None or _default_for != folder:
        _default_store, _default_for = FrameStore(folder), folder
    return _default_store
