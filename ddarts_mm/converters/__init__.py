"""Checkpoint converters: the D-DARTS authors' published models -> ours."""
from .authors_checkpoint import (AuthorsCheckpointError,
                                 build_authors_classifier, convert_state_dict,
                                 read_authors_checkpoint)
from .authors_keys import backbone_key_map, classifier_key_map
from .ddarts_to_mm import ConversionReport, convert_authors_checkpoint

__all__ = [
    'AuthorsCheckpointError', 'ConversionReport', 'backbone_key_map',
    'build_authors_classifier', 'classifier_key_map',
    'convert_authors_checkpoint', 'convert_state_dict',
    'read_authors_checkpoint'
]
