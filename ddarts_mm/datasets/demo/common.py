"""Shared helpers of the demo data makers: atomic output, markers, drawing.

Every maker builds its data set in a temporary folder next to the output
folder, writes a marker file (:data:`MARKER_NAME`) holding the maker's name
and parameters last, then moves the folder into place with ``os.replace``.
A folder whose marker matches the requested parameters is complete and is
reused as it is.
"""
import colorsys
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Callable, Dict, Sequence, Tuple, Union

import numpy as np
from PIL import Image

#: Name of the marker file written last into every demo data folder.
MARKER_NAME = '.ddarts_demo_data.json'
#: An image size: side of a square, or ``(width, height)``.
ImageSize = Union[int, Tuple[int, int]]
#: Bumped whenever a maker's output bytes change for the same parameters.
FORMAT_VERSION = 1


@dataclass(frozen=True)
class DemoDataResult:
    """What a demo data maker produced.

    Args:
        root (str): Absolute path of the data set folder.
        kind (str): Maker name: ``'cifar_digits'``, ``'digit_folder'``,
            ``'coco_shapes'`` or ``'cityscapes_shapes'``.
        params (dict): The parameters the set was generated with, as stored
            in the marker file.
        classes (tuple[str, ...]): Class names of the set, in label order.
        reused (bool): True when a complete set with the same parameters
            already existed and nothing was written.
        files (dict): Named paths inside ``root`` (annotation files, image
            folders), e.g. ``files['train_ann']``.
    """

    root: str
    kind: str
    params: dict
    classes: Tuple[str, ...]
    reused: bool
    files: Dict[str, str] = field(default_factory=dict)


def split_rng(seed: int, *keys: int) -> np.random.Generator:
    """A generator for one item, independent of how many items are made.

    Args:
        seed (int): The user's seed.
        *keys (int): Item coordinates such as (split index, image index).

    Returns:
        np.random.Generator: A PCG64 generator seeded from
        ``SeedSequence([seed, *keys])``.
    """
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))


def check_positive_int(value: object, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f'{name} must be an int, got {value!r}')
    if value < minimum:
        raise ValueError(f'{name} must be >= {minimum}, got {value}')
    return int(value)


def check_image_size(image_size: object, name: str = 'image_size',
                     minimum: int = 64,
                     maximum: int = 2048) -> Tuple[int, int]:
    """Normalise an image size given as ``int`` or ``(W, H)``.

    Args:
        image_size (int | Sequence[int]): Side of a square image, or
            ``(width, height)``.
        name (str): Name used in error messages. Defaults to 'image_size'.
        minimum (int): Smallest side accepted. Defaults to 64.
        maximum (int): Largest side accepted. Defaults to 2048.

    Returns:
        tuple[int, int]: ``(width, height)``.
    """
    if isinstance(image_size, (int, np.integer)) and not isinstance(
            image_size, bool):
        size = (int(image_size), int(image_size))
    elif (isinstance(image_size, Sequence) and len(image_size) == 2
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                  for v in image_size)):
        size = (int(image_size[0]), int(image_size[1]))
    else:
        raise ValueError(
            f'{name} must be an int or a (width, height) pair of ints, '
            f'got {image_size!r}')
    if min(size) < minimum or max(size) > maximum:
        raise ValueError(f'{name} sides must lie in [{minimum}, {maximum}], '
                         f'got {size[0]}x{size[1]}')
    return size


def check_split_args(seed: object, num_train: object, num_val: object,
                     image_size: object = None) -> dict:
    """The parameters of a demo set, checked: ``seed`` >= 0, ``num_train``
    and ``num_val`` >= 1 and, when given, ``image_size`` (see
    :func:`check_image_size`) as ``[width, height]``.

    Returns:
        dict: ``seed``, ``num_train``, ``num_val`` (and ``image_size``), as
        the set's marker records them.
    """
    params = dict(seed=check_positive_int(seed, 'seed', minimum=0),
                  num_train=check_positive_int(num_train, 'num_train'),
                  num_val=check_positive_int(num_val, 'num_val'))
    if image_size is not None:
        params['image_size'] = list(check_image_size(image_size))
    return params


def _normalise(obj: object) -> object:
    """JSON round trip, so tuples and lists compare equal."""
    return json.loads(json.dumps(obj, sort_keys=True))


def read_marker(out_dir: str) -> dict:
    """The marker of a demo data folder, or ``{}`` when there is none."""
    path = os.path.join(out_dir, MARKER_NAME)
    if not os.path.isfile(path):
        return {}
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def build_atomically(out_dir: str, kind: str, params: dict,
                     overwrite: bool,
                     build: Callable[[str], None]) -> Tuple[str, bool]:
    """Build a data set folder atomically, or reuse a complete one.

    ``build(tmp_dir)`` writes the whole set into ``tmp_dir``, a fresh folder
    in the parent of ``out_dir``; the marker is written after it, then the
    folder replaces ``out_dir``. On any error the temporary folder is
    removed and ``out_dir`` is left untouched.

    Args:
        out_dir (str): Destination folder.
        kind (str): Maker name stored in the marker.
        params (dict): JSON-serialisable parameters stored in the marker.
        overwrite (bool): Rebuild even if a complete set exists, and replace
            a folder that is not a demo set of these parameters.
        build (Callable[[str], None]): Writes the set into a folder.

    Returns:
        tuple[str, bool]: The absolute ``out_dir`` and whether an existing
        complete set was reused.

    Raises:
        FileExistsError: ``out_dir`` exists, is not empty and is not a
            complete set with these parameters, and ``overwrite`` is False.
    """
    out_dir = os.path.abspath(os.fspath(out_dir))
    marker = _normalise(
        dict(kind=kind, format_version=FORMAT_VERSION, params=params))
    exists = os.path.lexists(out_dir)
    if exists and not overwrite:
        if read_marker(out_dir) == marker:
            return out_dir, True
        if not (os.path.isdir(out_dir) and not os.listdir(out_dir)):
            found = read_marker(out_dir)
            what = (f"a {found.get('kind')} demo set with other parameters "
                    f"({found.get('params')})" if found else
                    'not a complete demo data set')
            raise FileExistsError(
                f'{out_dir} exists and is {what}; pass overwrite=True '
                '(--overwrite) to replace it')
    if exists and not os.path.isdir(out_dir):
        raise FileExistsError(f'{out_dir} exists and is not a folder')

    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    name = os.path.basename(out_dir)
    tmp_dir = tempfile.mkdtemp(prefix=f'.{name}.tmp-', dir=parent)
    try:
        os.chmod(tmp_dir, 0o755)
        build(tmp_dir)
        with open(os.path.join(tmp_dir, MARKER_NAME), 'w',
                  encoding='utf-8') as f:
            json.dump(marker, f, indent=2, sort_keys=True)
            f.write('\n')
        if os.path.lexists(out_dir):
            old_dir = tempfile.mkdtemp(prefix=f'.{name}.old-', dir=parent)
            os.replace(out_dir, old_dir)  # old_dir is empty: rename over it
            os.replace(tmp_dir, out_dir)
            shutil.rmtree(old_dir, ignore_errors=True)
        else:
            os.replace(tmp_dir, out_dir)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    return out_dir, False


def smooth_noise(rng: np.random.Generator, size: Tuple[int, int],
                 cells: int = 6, channels: int = 3) -> np.ndarray:
    """Smooth random field in [0, 1]: a coarse grid upsampled bicubically.

    Args:
        rng (np.random.Generator): Source of randomness.
        size (tuple[int, int]): Output ``(width, height)``.
        cells (int): Grid cells along the shorter side. Defaults to 6.
        channels (int): Number of channels. Defaults to 3.

    Returns:
        np.ndarray: float32 array of shape (H, W, channels).
    """
    w, h = size
    gw = max(2, round(cells * w / min(w, h)))
    gh = max(2, round(cells * h / min(w, h)))
    coarse = (rng.random((gh, gw, channels)) * 255).astype(np.uint8)
    planes = [
        np.asarray(
            Image.fromarray(coarse[..., c]).resize((w, h), Image.BICUBIC))
        for c in range(channels)
    ]
    return np.stack(planes, axis=-1).astype(np.float32) / 255.0


def random_color(rng: np.random.Generator, saturation: Tuple[float, float] = (
        0.55, 1.0), value: Tuple[float, float] = (0.55, 1.0)) -> np.ndarray:
    """A random RGB colour (float32, 0-255) of random hue."""
    hue = rng.random()
    sat = rng.uniform(*saturation)
    val = rng.uniform(*value)
    return np.array(colorsys.hsv_to_rgb(hue, sat, val),
                    dtype=np.float32) * 255.0


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Round and clip a float image to uint8."""
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def boxes_overlap(box: Sequence[float], others: Sequence[Sequence[float]],
                  gap: float) -> bool:
    """Whether an ``(x1, y1, x2, y2)`` box, grown by ``gap``, meets others."""
    x1, y1, x2, y2 = box
    for ox1, oy1, ox2, oy2 in others:
        if (x1 - gap < ox2 and ox1 < x2 + gap and y1 - gap < oy2
                and oy1 < y2 + gap):
            return True
    return False
