"""Write one of ddarts_mm's small demo data sets.

Usage::

    python tools/make_demo_data.py cifar data/cifar_digits
    python tools/make_demo_data.py folder data/custom --num-train 200 \
        --num-val 50 --image-size 64
    python tools/make_demo_data.py coco data/coco_shapes --num-train 64 \
        --num-val 16 --image-size 128
    python tools/make_demo_data.py cityscapes data/cityscapes_shapes \
        --image-size 256x128

Exit status: 0 on success (or when a complete set with the same parameters
is already there), 2 with a one-line error on bad input.
"""
import argparse
import sys
from typing import List, Optional, Tuple

DEFAULTS = dict(
    cifar=dict(num_train=1497, num_val=300, image_size=None),
    folder=dict(num_train=1497, num_val=300, image_size=(32, 32)),
    coco=dict(num_train=64, num_val=16, image_size=(128, 128)),
    cityscapes=dict(num_train=64, num_val=16, image_size=(256, 128)),
)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr, exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f'{self.prog}: error: {message}\n')


def image_size(text: str) -> Tuple[int, int]:
    """Parse ``'128'`` or ``'256x128'`` (width x height)."""
    parts = text.lower().split('x')
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) == 1:
        values = values * 2
    if len(values) != 2 or min(values) <= 0:
        raise argparse.ArgumentTypeError(
            f"expected SIZE or WIDTHxHEIGHT, got '{text}'")
    return values[0], values[1]


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = _Parser(
        prog='make_demo_data.py',
        description='Write a small demo data set in a real format.')
    parser.add_argument(
        'kind', choices=sorted(DEFAULTS),
        help='cifar: CIFAR-10 pickles of sklearn digits; folder: the same '
        'digits as OUT/{train,val}/<class>/*.png (mmpretrain CustomDataset); '
        'coco: COCO instance shapes; cityscapes: Cityscapes layout + COCO '
        'json')
    parser.add_argument('out', help='data root to create')
    parser.add_argument('--seed', type=int, default=0, help='default 0')
    parser.add_argument('--num-train', type=int, help='training images')
    parser.add_argument('--num-val', type=int, help='validation/test images')
    parser.add_argument(
        '--image-size', type=image_size,
        help='SIZE or WIDTHxHEIGHT (coco 128x128, cityscapes 256x128, '
        'folder 32x32; cifar is always 32)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace OUT even if it holds a complete set')
    args = parser.parse_args(argv)
    if args.kind == 'cifar' and args.image_size not in (None, (32, 32)):
        parser.error('--image-size: CIFAR images are always 32x32')
    for key, value in DEFAULTS[args.kind].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    # Imported after parsing so that --help and usage errors stay fast.
    from ddarts_mm.datasets import (make_cifar_digits, make_cityscapes_shapes,
                                    make_coco_shapes, make_digit_folder)
    kwargs = dict(seed=args.seed, num_train=args.num_train,
                  num_val=args.num_val, overwrite=args.overwrite)
    try:
        if args.kind == 'cifar':
            result = make_cifar_digits(args.out, **kwargs)
        elif args.kind == 'folder':
            result = make_digit_folder(args.out, image_size=args.image_size,
                                       **kwargs)
        elif args.kind == 'coco':
            result = make_coco_shapes(args.out, image_size=args.image_size,
                                      **kwargs)
        else:
            result = make_cityscapes_shapes(
                args.out, image_size=args.image_size, **kwargs)
    except (ValueError, FileExistsError) as e:
        print(f'make_demo_data.py: error: {e}', file=sys.stderr)
        return 2
    state = 'already complete' if result.reused else 'written'
    print(f'{result.kind} {state}: {result.root}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
