"""Packaging of ddarts_mm: D-DARTS for OpenMMLab 2.x."""
from setuptools import find_packages, setup

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
    'demo': ['scikit-learn', 'matplotlib', 'networkx'],
    'tests': ['pytest', 'scikit-learn', 'matplotlib', 'networkx'],
}
extras_require['all'] = sorted({p for ps in extras_require.values() for p in ps})

setup(
    name='ddarts_mm',
    version='0.1.0',
    description='D-DARTS (Distributed Differentiable Architecture Search) '
    'for OpenMMLab 2.x: search, DARTOpti, classification and detection',
    python_requires='>=3.10',
    packages=find_packages(exclude=('tests', 'configs', 'tools')),
    include_package_data=True,
    package_data={'ddarts_mm': ['search_space/zoo/*.json']},
    install_requires=install_requires,
    extras_require=extras_require,
)
