"""Writing out/: from a stack to files, serialised deterministically, swapped in atomically, with a manifest.

- `emitters`: every renderer's output as (path, text) pairs, streamed;
- `files`: JSON and YAML serialisation, and writing or comparing a whole tree;
- `yaml_writer`: PyYAML's block-style spelling, fast;
- `yaml_parts`: pieces of that spelling (a scalar, `key: value` at an indentation) for files written in parts;
- `dir_swap`: replacing out/ so that a kill at any moment leaves the old tree or the new one;
- `manifest`: out/manifest.json, the hand-off every later command reads.
"""
