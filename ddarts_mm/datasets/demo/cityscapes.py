"""A small street-scene set in the real Cityscapes layout, plus its COCO json.

Layout (the real ``gtFine`` / ``leftImg8bit`` trees)::

    OUT/leftImg8bit/{train,val}/<city>/<city>_000000_<frame>_leftImg8bit.png
    OUT/gtFine/{train,val}/<city>/<city>_000000_<frame>_gtFine_polygons.json
                                   ..._gtFine_labelIds.png      (uint8)
                                   ..._gtFine_instanceIds.png   (uint16)
                                   ..._gtFine_color.png         (RGBA)
    OUT/annotations/instancesonly_filtered_gtFine_{train,val}.json

Scenes are polygons (sky, buildings, trees, sidewalk, road, then 1-4
non-overlapping ``person``/``car``/``bicycle`` instances); the label images
are made from the polygon files by cityscapesscripts' own
``json2labelImg``/``json2instanceImg``, so pixel values follow Cityscapes
exactly (label ids of ``cityscapesscripts.helpers.labels``; instances
``id * 1000 + k`` with ``k`` counting per class from 0; stuff ``id``). The
COCO json files come from mmdet's converter
(``mmdet/.mim/tools/dataset_converters/cityscapes.py``), the step users
run on the real data, so mmdet's ``configs/_base_/datasets/
cityscapes_instance.py`` loads the set with only ``data_root`` changed.
"""
import contextlib
import importlib.util
import io
import json
import math
import os
from types import ModuleType
from typing import List, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw

from .common import (DemoDataResult, ImageSize, boxes_overlap,
                          build_atomically, check_split_args, random_color,
                          smooth_noise, split_rng, to_uint8)

#: mmdet's ``CityscapesDataset`` classes (the 8 evaluated instance classes).
CITYSCAPES_CLASSES = ('person', 'rider', 'car', 'truck', 'bus', 'train',
                      'motorcycle', 'bicycle')
#: Instance classes that the scenes actually contain.
CITYSCAPES_DRAWN_CLASSES = ('person', 'car', 'bicycle')
#: Cities per split (real Cityscapes city names of that split).
CITIES = dict(train=('aachen', 'bochum'), val=('frankfurt', 'munster'))
MAX_OBJECTS = 4
_STUFF_COLORS = dict(
    sky=(120, 165, 215), building=(125, 115, 105), vegetation=(70, 120, 50),
    sidewalk=(165, 155, 160), road=(85, 85, 92))
_CONVERTER = ('.mim', 'tools', 'dataset_converters', 'cityscapes.py')


def _ellipse(cx: float, cy: float, rx: float, ry: float,
             n: int = 16) -> List[Tuple[float, float]]:
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    return list(zip(cx + rx * np.cos(t), cy + ry * np.sin(t)))


def instance_polygon(name: str, x0: float, yb: float,
                     scale: float) -> List[Tuple[float, float]]:
    """Outline of one instance standing on the ground at ``yb``.

    Args:
        name (str): ``'person'`` (tall, with a round head), ``'car'`` (wide
            body and cabin) or ``'bicycle'`` (two solid wheels and a frame).
        x0 (float): Left edge.
        yb (float): Bottom edge (ground contact).
        scale (float): Height for persons, width for cars and bicycles.

    Returns:
        list[tuple[float, float]]: Vertices in order, not closed.
    """
    if name == 'person':
        h, w = scale, 0.4 * scale
        cx, r = x0 + w / 2, 0.13 * scale
        top = yb - h
        head = [(cx + r * math.cos(a), top + r + r * math.sin(a))
                for a in np.linspace(math.radians(120), math.radians(420),
                                     12)]
        neck = top + 2 * r
        return head + [(cx + w / 2, neck + 0.05 * h), (cx + 0.4 * w, yb),
                       (cx + 0.08 * w, yb), (cx, yb - 0.35 * h),
                       (cx - 0.08 * w, yb), (cx - 0.4 * w, yb),
                       (cx - w / 2, neck + 0.05 * h)]
    if name == 'car':
        w, h = scale, 0.5 * scale
        return [(x0, yb), (x0 + w, yb), (x0 + w, yb - 0.55 * h),
                (x0 + 0.8 * w, yb - 0.6 * h), (x0 + 0.66 * w, yb - h),
                (x0 + 0.3 * w, yb - h), (x0 + 0.17 * w, yb - 0.6 * h),
                (x0, yb - 0.55 * h)]
    if name == 'bicycle':
        w = scale
        r = 0.26 * w
        cy, cl, cr = yb - r, x0 + r, x0 + w - r
        left = [(cl + r * math.cos(a), cy + r * math.sin(a))
                for a in np.radians(np.linspace(60, 300, 11))]
        right = [(cr + r * math.cos(a), cy + r * math.sin(a))
                 for a in np.radians(np.linspace(240, 480, 11))]
        frame = [(x0 + 0.4 * w, cy - 1.3 * r), (x0 + 0.72 * w, cy - 1.45 * r)]
        return left + frame + right + [(x0 + 0.5 * w, cy + 0.1 * r)]
    raise ValueError(f'instance_polygon: unknown class {name!r}, expected '
                     f'one of {CITYSCAPES_DRAWN_CLASSES}')


def _scene(rng: np.random.Generator, size: Tuple[int, int]) -> list:
    """Sample the polygon objects of one scene, in drawing order."""
    w, h = size
    horizon = int(h * rng.uniform(0.42, 0.55))
    objects = [('sky', [(0, 0), (w - 1, 0), (w - 1, h - 1), (0, h - 1)])]
    x = 0
    while x < w:  # skyline of buildings
        bw = int(rng.integers(w // 10, w // 4))
        top = int(h * rng.uniform(0.05, 0.3))
        objects.append(('building', [(x, top), (x + bw, top),
                                     (x + bw, horizon), (x, horizon)]))
        x += bw
    for _ in range(int(rng.integers(0, 3))):
        cx, r = rng.uniform(0, w), h * rng.uniform(0.06, 0.12)
        objects.append(('vegetation', _ellipse(cx, horizon - r, r, r)))
    walk = horizon + max(2, h // 25)
    objects.append(('sidewalk', [(0, horizon), (w - 1, horizon),
                                 (w - 1, walk), (0, walk)]))
    objects.append(('road', [(0, walk), (w - 1, walk), (w - 1, h - 1),
                             (0, h - 1)]))

    unit = min(w / 2, h)  # a 256x128 image has unit 128
    ranges = dict(person=(0.32, 0.6), car=(0.4, 0.7), bicycle=(0.32, 0.5))
    boxes: list = []
    instances = []
    for _ in range(int(rng.integers(1, MAX_OBJECTS + 1))):
        for _ in range(40):
            name = CITYSCAPES_DRAWN_CLASSES[int(
                rng.integers(len(CITYSCAPES_DRAWN_CLASSES)))]
            scale = unit * rng.uniform(*ranges[name])
            yb = rng.uniform(walk + 0.1 * h, h - 3)
            poly = instance_polygon(name, 0.0, yb, scale)
            width = max(p[0] for p in poly)
            x0 = rng.uniform(2, w - 3 - width)
            poly = [(int(round(px + x0)), int(round(py))) for px, py in poly]
            xs, ys = [p[0] for p in poly], [p[1] for p in poly]
            box = (min(xs), min(ys), max(xs), max(ys))
            if box[1] >= 1 and not boxes_overlap(box, boxes, gap=3):
                boxes.append(box)
                instances.append((box[3], name, poly))
                break
    instances.sort(key=lambda item: item[0])  # far (higher) ones first
    return objects + [(name, poly) for _, name, poly in instances]


def render_scene(rng: np.random.Generator, objects: list,
                 size: Tuple[int, int]) -> np.ndarray:
    """Paint the polygons of a scene into an RGB image.

    Args:
        rng (np.random.Generator): Source of randomness.
        objects (list[tuple[str, list]]): ``(label, polygon)`` in drawing
            order, as in the polygon file.
        size (tuple[int, int]): ``(width, height)``.

    Returns:
        np.ndarray: uint8 array (H, W, 3).
    """
    w, h = size
    index = Image.new('I', (w, h), 0)
    draw = ImageDraw.Draw(index)
    for k, (_, poly) in enumerate(objects):
        draw.polygon(poly, fill=k)
    index = np.asarray(index)
    texture = smooth_noise(rng, size, cells=8)
    image = np.zeros((h, w, 3), np.float32)
    for k, (name, _) in enumerate(objects):
        mask = index == k
        if name in _STUFF_COLORS:
            color = np.array(_STUFF_COLORS[name], np.float32)
            color = color * rng.uniform(0.85, 1.15, size=3)
            image[mask] = (color * (0.75 + 0.5 * texture))[mask]
        else:
            color = random_color(rng, (0.6, 1.0), (0.6, 1.0))
            image[mask] = (color * (0.9 + 0.2 * texture[..., :1]))[mask]
    image += rng.normal(0.0, 4.0, size=image.shape)
    return to_uint8(image)


def _write_split(root: str, split: str, split_id: int, seed: int,
                 num_images: int, size: Tuple[int, int]) -> None:
    from cityscapesscripts.helpers.annotation import Annotation
    from cityscapesscripts.preparation.json2instanceImg import \
        createInstanceImage
    from cityscapesscripts.preparation.json2labelImg import createLabelImage

    cities = CITIES[split]
    for i in range(num_images):
        rng = split_rng(seed, split_id, i)
        city = cities[i % len(cities)]
        stem = f'{city}_000000_{i:06d}'
        img_dir = os.path.join(root, 'leftImg8bit', split, city)
        gt_dir = os.path.join(root, 'gtFine', split, city)
        os.makedirs(img_dir, exist_ok=True)
        os.makedirs(gt_dir, exist_ok=True)
        objects = _scene(rng, size)
        polygons = dict(
            imgHeight=size[1], imgWidth=size[0],
            objects=[dict(label=name, polygon=[list(p) for p in poly])
                     for name, poly in objects])
        json_path = os.path.join(gt_dir, f'{stem}_gtFine_polygons.json')
        with open(json_path, 'w', encoding='utf-8') as f:
            json.dump(polygons, f, indent=4)
        Image.fromarray(render_scene(rng, objects, size)).save(
            os.path.join(img_dir, f'{stem}_leftImg8bit.png'))
        annotation = Annotation()
        annotation.fromJsonFile(json_path)
        createLabelImage(annotation, 'ids').save(
            os.path.join(gt_dir, f'{stem}_gtFine_labelIds.png'))
        createLabelImage(annotation, 'color').save(
            os.path.join(gt_dir, f'{stem}_gtFine_color.png'))
        # cityscapesscripts draws into a 32-bit 'I' image and saves it as
        # is; Pillow 13 refuses to write mode 'I' as PNG, so store it as
        # the 16-bit grey PNG that real Cityscapes files are.
        instance_ids = np.asarray(createInstanceImage(annotation, 'ids'))
        Image.fromarray(instance_ids.astype(np.uint16)).save(
            os.path.join(gt_dir, f'{stem}_gtFine_instanceIds.png'))


def load_mmdet_cityscapes_converter() -> ModuleType:
    """Import mmdet's ``tools/dataset_converters/cityscapes.py`` by path.

    The pip package of mmdet ships its tools under ``mmdet/.mim/``; this
    finds the file without importing mmdet itself.

    Returns:
        ModuleType: The converter module (``collect_files``,
        ``collect_annotations``, ``cvt_annotations``).
    """
    spec = importlib.util.find_spec('mmdet')
    if spec is None or not spec.submodule_search_locations:
        raise ImportError('mmdet is not installed: the Cityscapes to COCO '
                          'conversion uses its tools/dataset_converters/'
                          'cityscapes.py')
    path = os.path.join(list(spec.submodule_search_locations)[0], *_CONVERTER)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'mmdet converter not found at {path}')
    module_spec = importlib.util.spec_from_file_location(
        'mmdet_tools_cityscapes_converter', path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def convert_cityscapes_to_coco(root: str, out_dir: str,
                               splits: Sequence[str] = ('train', 'val')
                               ) -> dict:
    """Run mmdet's Cityscapes converter on ``root`` for ``splits``.

    This does what ``python tools/dataset_converters/cityscapes.py root -o
    out_dir`` does, except that it converts only ``splits`` (the script
    also converts ``test`` and fails without it) and sorts the image files
    (the script keeps ``glob`` order, which depends on the file system), so
    image ids are reproducible; it calls the script's ``load_img_info``
    per image as ``collect_annotations`` does, without the progress bar.

    Args:
        root (str): Folder holding ``leftImg8bit/`` and ``gtFine/``.
        out_dir (str): Folder for the json files.
        splits (Sequence[str]): Splits to convert. Defaults to
            ('train', 'val').

    Returns:
        dict: split -> path of ``instancesonly_filtered_gtFine_<split>.json``.
    """
    converter = load_mmdet_cityscapes_converter()
    os.makedirs(out_dir, exist_ok=True)
    outputs = {}
    for split in splits:
        json_path = os.path.join(
            out_dir, f'instancesonly_filtered_gtFine_{split}.json')
        with contextlib.redirect_stdout(io.StringIO()):  # 'Loaded N images'
            files = sorted(
                converter.collect_files(
                    os.path.join(root, 'leftImg8bit', split),
                    os.path.join(root, 'gtFine', split)))
        # collect_annotations(files, nproc=1) without its progress bar
        infos = [converter.load_img_info(item) for item in files]
        converter.cvt_annotations(infos, json_path)
        outputs[split] = json_path
    return outputs


def make_cityscapes_shapes(out_dir: str,
                           seed: int = 0,
                           num_train: int = 64,
                           num_val: int = 16,
                           image_size: ImageSize = (256, 128),
                           overwrite: bool = False) -> DemoDataResult:
    """Write the Cityscapes-layout street scenes and their COCO json files.

    Load a split as mmdet's ``cityscapes_instance.py`` does::

        dict(type='CityscapesDataset', data_root=out_dir,
             ann_file='annotations/instancesonly_filtered_gtFine_train.json',
             data_prefix=dict(img='leftImg8bit/train/'))

    The arguments are those of
    :func:`~ddarts_mm.datasets.demo.coco.make_coco_shapes`, but
    ``image_size`` defaults to (256, 128): Cityscapes is 2:1.

    Returns:
        DemoDataResult: ``files`` has ``train_ann``, ``val_ann``,
        ``train_img``, ``val_img``, ``train_gt``, ``val_gt``.
    """
    params = check_split_args(seed, num_train, num_val, image_size)
    seed, num_train, num_val = (params['seed'], params['num_train'],
                                params['num_val'])
    size = tuple(params['image_size'])

    def build(tmp_dir: str) -> None:
        _write_split(tmp_dir, 'train', 1, seed, num_train, size)
        _write_split(tmp_dir, 'val', 2, seed, num_val, size)
        convert_cityscapes_to_coco(tmp_dir,
                                   os.path.join(tmp_dir, 'annotations'))

    root, reused = build_atomically(out_dir, 'cityscapes_shapes', params,
                                    overwrite, build)
    files = {}
    for split in ('train', 'val'):
        files[f'{split}_ann'] = os.path.join(
            root, 'annotations', f'instancesonly_filtered_gtFine_{split}.json')
        files[f'{split}_img'] = os.path.join(root, 'leftImg8bit', split)
        files[f'{split}_gt'] = os.path.join(root, 'gtFine', split)
    return DemoDataResult(root=root, kind='cityscapes_shapes', params=params,
                          classes=CITYSCAPES_CLASSES, reused=reused,
                          files=files)


__all__ = [
    'CITYSCAPES_CLASSES', 'CITYSCAPES_DRAWN_CLASSES', 'CITIES',
    'make_cityscapes_shapes', 'convert_cityscapes_to_coco',
    'instance_polygon', 'load_mmdet_cityscapes_converter', 'render_scene'
]
