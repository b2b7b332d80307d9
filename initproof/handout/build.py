"""Build a handout in any format of :data:`.formats.FORMATS`, written atomically.

Nothing is written until the whole document is ready: each output goes to a
temporary file (or folder) beside its destination and is then renamed over
it, so a failed build leaves any earlier handout untouched. The destination is
checked before any work (:func:`check_destination`): its folder must exist and be
writable, a file format never replaces a folder nor a folder format a file, and a
LaTeX source that was edited since initproof wrote it is kept unless ``force``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import content
from .formats import FORMATS, HandoutError
from .tailor import tailor
from .tex import find_engine


@dataclass
class Timings:
    """Seconds spent in each stage of a build."""

    stages: dict[str, float] = field(default_factory=dict)

    def measure(self, stage: str, action: Callable):
        start = time.perf_counter()
        value = action()
        self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - start
        return value


def require_engine(fmt: str) -> None:
    """Refuse a build whose format needs a TeX engine that is missing (a failed build: nothing is
    written)."""
    engine = FORMATS[fmt].engine
    if engine and not find_engine((engine,)):
        raise HandoutError(f"{engine} not found: install TeX Live (e.g. 'apt-get install "
                           "texlive-latex-recommended texlive-lang-other lmodern') or use --format html")


def check_destination(path: Path, fmt: str, force: bool = False) -> None:
    """Refuse, in one line and before any work, a destination the build could not or should not
    write: a path without the format's suffix, a missing or read-only folder, a folder where a file
    goes (or the reverse), or a source edited since initproof wrote it (unless ``force``)."""
    form = FORMATS[fmt]
    if form.suffix and path.suffix != form.suffix:
        raise HandoutError(f"{path}: a {fmt} handout's path must end in {form.suffix}")
    writer = form.writer()
    for target, kind in writer.outputs(path).items():
        if kind == "file" and target.is_dir():
            raise HandoutError(f"{target} is a folder; give a file path for --format {fmt}")
        if kind == "folder" and target.exists() and not target.is_dir():
            raise HandoutError(f"{target} is a file; --format {fmt} writes a folder, give a folder path")
    folder = path.parent
    if not folder.is_dir():
        raise HandoutError(f"folder {folder} does not exist; create it first")
    try:
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as error:
        raise HandoutError(f"cannot write in {folder}: {error.strerror or error}") from None
    source = writer.edited(path)
    if source is not None and not force:
        raise HandoutError(f"{source} was edited since initproof wrote it; pass --force to replace it, "
                           "or -o to write elsewhere")


def build(path: Path, lang: str, fmt: str, seed: int = 0, timings: Timings | None = None,
          force: bool = False, lecturer: Lecturer | None = None) -> list[Path]:
    """Build the handout in format ``fmt`` (:data:`.formats.FORMATS`) at ``path``, as the ``lecturer``
    wants it (:func:`.tailor.tailor`; a student's version puts its key at :func:`answers_path`);
    return the paths written."""
    timings = timings or Timings()
    lecturer = lecturer or Lecturer()
    require_engine(fmt)
    for target in (path, answers_path(path)) if lecturer.student else (path,):
        check_destination(target, fmt, force)
    try:
        handout, key = tailor(content.build(seed, timings=timings), lecturer.title, lecturer.author,
                              lecturer.course, lecturer.sections, lecturer.student, lecturer.short)
    except ValueError as error:
        raise HandoutError(f"--sections: {error}") from None
    writer = FORMATS[fmt].writer()
    written = writer.write(handout, lang, path, timings.measure)
    return written + (writer.write(key, lang, answers_path(path), timings.measure) if key else [])


@dataclass(frozen=True)
class Lecturer:
    """What a lecturer sets: title, name, course, the sections taught, a student's version, a short one."""

    title: str | None = None
    author: str = ""
    course: str = ""
    sections: list[str] | None = None
    student: bool = False
    short: bool = False


def answers_path(path: Path) -> Path:
    """Where the answer key of an exercise sheet at ``path`` goes: ``NAME-answers`` beside it."""
    return path.with_name(f"{path.stem}-answers{path.suffix}")


def build_exercises(path: Path, lang: str, fmt: str, seed: int = 0, force: bool = False) -> list[Path]:
    """An exercise sheet with fresh numbers for ``seed`` at ``path``, and its answer key at
    :func:`answers_path`; return the paths written."""
    from .exercises import sheets

    require_engine(fmt)
    for target in (path, answers_path(path)):
        check_destination(target, fmt, force)
    timings = Timings()
    sheet, key = sheets(seed)
    writer = FORMATS[fmt].writer()
    return [*writer.write(sheet, lang, path, timings.measure),
            *writer.write(key, lang, answers_path(path), timings.measure)]
