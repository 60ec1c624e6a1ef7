"""Packaging of ddarts_mm: D-DARTS for OpenMMLab 2.x.

Like mmdet and mmpretrain, the package carries its configs, tools and
``model-index.yml`` under ``ddarts_mm/.mim`` so that ``_base_ =
'ddarts_mm::...'`` and ``mim train/test ddarts_mm CONFIG`` work from
outside the source tree: symbolic links for an editable install, copies in
a wheel or sdist (:func:`add_mim_extension`, run by every setup call).
"""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

#: What ``ddarts_mm/.mim`` holds, relative to the repository root.
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def add_mim_extension() -> None:
    """Link (editable install) or copy (build) MIM_FILES into ``.mim``."""
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif any(cmd in sys.argv
             for cmd in ('sdist', 'bdist_wheel', 'build', 'egg_info')):
        mode = 'copy'
    else:
        return
    root = osp.dirname(osp.abspath(__file__))
    mim = osp.join(root, 'ddarts_mm', '.mim')
    os.makedirs(mim, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(root, name), osp.join(mim, name)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)


# The heavy stack (torch, mmcv with compiled ops) is installed by
# scripts/install.sh (`make install`); these are the version pins it uses.
install_requires = [
    'torch==2.14.1',
    'torchvision==0.29.1',
    'mmengine==0.10.7',
    'mmcv==2.1.0',
    'mmdet==3.3.0',
    'mmpretrain==1.2.0',
    'pycocotools',
    'cityscapesscripts',
    'numpy',
    'pyyaml',
]
extras_require = {
    'vis': ['matplotlib', 'networkx'],
    # mmdet's tools/analysis_tools (analyze_logs.py imports seaborn) and
    # mmpretrain's (docs/openmmlab_tools.md)
    'analysis': ['matplotlib', 'seaborn'],
    # TensorboardVisBackend (configs/_base_/env_runtime.py)
    'tensorboard': ['tensorboard'],
    'demo': ['scikit-learn', 'matplotlib', 'networkx'],
    # ONNX export (torch's exporter needs onnxscript) and its check in
    # onnxruntime (docs/deployment.md, tools/deployment/pytorch2onnx.py)
    'deploy': ['onnx', 'onnxscript', 'onnxruntime'],
    # ruff: `make lint` (rules in pyproject.toml), pinned so that every
    # machine reports the same violations; pytest-xdist: `make test` runs
    # on every core
    'tests': ['pytest', 'pytest-xdist', 'scikit-learn', 'matplotlib',
              'networkx', 'onnx', 'onnxscript', 'onnxruntime',
              'ruff==0.17.5'],
}
extras_require['all'] = sorted(
    {p for ps in extras_require.values() for p in ps})

add_mim_extension()
setup(
    name='ddarts_mm',
    version='0.1.0',
    description='D-DARTS (Distributed Differentiable Architecture Search) '
    'for OpenMMLab 2.x: search, DARTOpti, classification and detection',
    license='Apache-2.0',
    python_requires='>=3.10',
    packages=find_packages(exclude=('tests', 'configs', 'tools')),
    include_package_data=True,
    package_data={
        'ddarts_mm': [
            'search_space/zoo/*.json', '.mim/model-index.yml',
            '.mim/configs/**/*.py', '.mim/configs/**/*.yml',
            '.mim/tools/*.py', '.mim/tools/*.sh', '.mim/tools/**/*.py'
        ]
    },
    install_requires=install_requires,
    extras_require=extras_require,
)
