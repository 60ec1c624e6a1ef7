"""A small COCO-format instance segmentation set of drawn shapes.

Layout, as the real COCO 2017 (``configs/_base_/datasets/coco_instance.py``
of mmdet works with only ``data_root`` and ``metainfo`` changed)::

    OUT/annotations/instances_train2017.json
    OUT/annotations/instances_val2017.json
    OUT/train2017/000000000001.jpg ...
    OUT/val2017/000000000065.jpg ...

Each image shows 1-4 non-overlapping shapes (classes
:data:`COCO_SHAPES_CLASSES`) of random colour on a smooth random background;
each annotation has a polygon ``segmentation``, its pixel ``area``, an
``[x, y, w, h]`` ``bbox`` and ``iscrowd=0``. Image ids are unique across
both splits, as in COCO.
"""
import json
import math
import os
from typing import List, Tuple

import numpy as np
from PIL import Image, ImageDraw

from .common import (DemoDataResult, ImageSize, boxes_overlap,
                          build_atomically, check_split_args, random_color,
                          smooth_noise, split_rng, to_uint8)

#: Class names, in label order; category ``id`` is index + 1.
COCO_SHAPES_CLASSES = ('circle', 'square', 'triangle')
#: Instances per image: at least 1, at most this many.
MAX_OBJECTS = 4
_SIZE_RANGE = (0.22, 0.42)  # shape side / shorter image side
_MAX_TRIES = 40


def shape_polygon(label: int, cx: float, cy: float, size: float,
                  angle: float) -> np.ndarray:
    """Vertices of one shape.

    Args:
        label (int): Index in :data:`COCO_SHAPES_CLASSES`.
        cx (float): Centre x.
        cy (float): Centre y.
        size (float): Diameter (circle), side (square) or height
            (triangle, equilateral) in pixels.
        angle (float): Rotation in radians (ignored for circles).

    Returns:
        np.ndarray: float array (K, 2) of (x, y) vertices.
    """
    name = COCO_SHAPES_CLASSES[label]
    if name == 'circle':
        t = np.linspace(0, 2 * math.pi, 32, endpoint=False)
        pts = np.stack([np.cos(t), np.sin(t)], axis=1) * size / 2
        angle = 0.0
    elif name == 'square':
        pts = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], float) * size / 2
    elif name == 'triangle':
        side = size * 2 / math.sqrt(3)
        pts = np.array([[0, -size * 2 / 3], [side / 2, size / 3],
                        [-side / 2, size / 3]])
    else:  # pragma: no cover - guarded by the class tuple
        raise ValueError(f'unknown shape {name!r}')
    rot = np.array([[math.cos(angle), -math.sin(angle)],
                    [math.sin(angle), math.cos(angle)]])
    return pts @ rot.T + np.array([cx, cy])


def _place(rng: np.random.Generator, size: Tuple[int, int]) -> list:
    """Sample non-overlapping (label, polygon) pairs for one image."""
    w, h = size
    count = int(rng.integers(1, MAX_OBJECTS + 1))
    placed: List[tuple] = []
    boxes: List[tuple] = []
    for _ in range(count):
        for _ in range(_MAX_TRIES):
            label = int(rng.integers(len(COCO_SHAPES_CLASSES)))
            side = rng.uniform(*_SIZE_RANGE) * min(w, h)
            angle = math.radians(rng.uniform(-15, 15))
            half = side * 0.75  # covers any shape of this size and angle
            cx = rng.uniform(half + 2, w - half - 2)
            cy = rng.uniform(half + 2, h - half - 2)
            poly = np.round(shape_polygon(label, cx, cy, side, angle), 2)
            box = (*poly.min(0), *poly.max(0))
            if not boxes_overlap(box, boxes, gap=3):
                placed.append((label, poly))
                boxes.append(box)
                break
    return placed


def render_image(rng: np.random.Generator, size: Tuple[int, int]) -> tuple:
    """Draw one image and its annotations (without ids).

    Args:
        rng (np.random.Generator): Source of randomness.
        size (tuple[int, int]): ``(width, height)``.

    Returns:
        tuple[np.ndarray, list[dict]]: uint8 (H, W, 3) RGB image and the
        annotations (``category_id``, ``segmentation``, ``area``, ``bbox``,
        ``iscrowd``).
    """
    w, h = size
    tint = random_color(rng, (0.0, 0.5), (0.25, 0.7))
    field = smooth_noise(rng, size, cells=int(rng.integers(3, 9)))
    image = tint * (0.6 + 0.8 * field)
    anns = []
    for label, poly in _place(rng, size):
        mask_img = Image.new('L', (w, h), 0)
        ImageDraw.Draw(mask_img).polygon([tuple(p) for p in poly], fill=1)
        mask = np.asarray(mask_img).astype(bool)
        color = random_color(rng)
        shade = 0.85 + 0.3 * smooth_noise(rng, size, cells=3, channels=1)
        image[mask] = (color * shade)[mask]
        x1, y1 = poly.min(0)
        x2, y2 = poly.max(0)
        anns.append(
            dict(
                segmentation=[[float(v) for v in poly.reshape(-1)]],
                area=float(mask.sum()),
                iscrowd=0,
                bbox=[
                    round(float(x1), 2),
                    round(float(y1), 2),
                    round(float(x2 - x1), 2),
                    round(float(y2 - y1), 2)
                ],
                category_id=label + 1))
    image += rng.normal(0.0, 4.0, size=image.shape)
    return to_uint8(image), anns


def _write_split(root: str, split: str, split_id: int, seed: int,
                 num_images: int, size: Tuple[int, int], first_img_id: int,
                 first_ann_id: int) -> dict:
    img_dir = os.path.join(root, f'{split}2017')
    os.makedirs(img_dir)
    images, annotations = [], []
    ann_id = first_ann_id
    for i in range(num_images):
        img_id = first_img_id + i
        pixels, anns = render_image(split_rng(seed, split_id, i), size)
        file_name = f'{img_id:012d}.jpg'
        Image.fromarray(pixels).save(
            os.path.join(img_dir, file_name), quality=95)
        images.append(
            dict(license=1, file_name=file_name, coco_url='',
                 height=size[1], width=size[0], date_captured='',
                 flickr_url='', id=img_id))
        for ann in anns:
            annotations.append(dict(ann, image_id=img_id, id=ann_id))
            ann_id += 1
    return dict(
        info=dict(
            description=f'ddarts_mm demo shapes ({split}, seed {seed})',
            url='', version='1.0', year=2017, contributor='ddarts_mm',
            date_created='2017/01/01'),
        licenses=[dict(url='', id=1, name='CC0')],
        images=images,
        annotations=annotations,
        categories=[
            dict(supercategory='shape', id=i + 1, name=name)
            for i, name in enumerate(COCO_SHAPES_CLASSES)
        ])


def make_coco_shapes(out_dir: str,
                     seed: int = 0,
                     num_train: int = 64,
                     num_val: int = 16,
                     image_size: ImageSize = (128, 128),
                     overwrite: bool = False) -> DemoDataResult:
    """Write the COCO-format shapes set (see the module docstring).

    Load a split with mmdet's ``CocoDataset``::

        dict(type='CocoDataset', data_root=out_dir,
             metainfo=dict(classes=COCO_SHAPES_CLASSES),
             ann_file='annotations/instances_train2017.json',
             data_prefix=dict(img='train2017/'))

    Args:
        out_dir (str): The data root to create.
        seed (int): Seed; image ``i`` of a split depends only on the seed,
            the split and ``i``. Defaults to 0.
        num_train (int): Training images. Defaults to 64.
        num_val (int): Validation images. Defaults to 16.
        image_size (int | tuple[int, int]): ``(width, height)``, sides in
            [64, 2048]. Defaults to (128, 128).
        overwrite (bool): Rebuild even if a complete set exists.
            Defaults to False.

    Returns:
        DemoDataResult: ``files`` has ``train_ann``, ``val_ann``,
        ``train_img``, ``val_img``.
    """
    params = check_split_args(seed, num_train, num_val, image_size)
    seed, num_train, num_val = (params['seed'], params['num_train'],
                                params['num_val'])
    size = tuple(params['image_size'])

    def build(tmp_dir: str) -> None:
        ann_dir = os.path.join(tmp_dir, 'annotations')
        os.makedirs(ann_dir)
        train = _write_split(tmp_dir, 'train', 1, seed, num_train, size, 1, 1)
        val = _write_split(tmp_dir, 'val', 2, seed, num_val, size,
                           num_train + 1,
                           len(train['annotations']) + 1)
        for split, content in (('train', train), ('val', val)):
            with open(os.path.join(ann_dir, f'instances_{split}2017.json'),
                      'w', encoding='utf-8') as f:
                json.dump(content, f)

    root, reused = build_atomically(out_dir, 'coco_shapes', params, overwrite,
                                    build)
    files = dict(
        train_ann=os.path.join(root, 'annotations',
                               'instances_train2017.json'),
        val_ann=os.path.join(root, 'annotations', 'instances_val2017.json'),
        train_img=os.path.join(root, 'train2017'),
        val_img=os.path.join(root, 'val2017'))
    return DemoDataResult(root=root, kind='coco_shapes', params=params,
                          classes=COCO_SHAPES_CLASSES, reused=reused,
                          files=files)


__all__ = [
    'COCO_SHAPES_CLASSES', 'make_coco_shapes', 'render_image',
    'shape_polygon'
]
