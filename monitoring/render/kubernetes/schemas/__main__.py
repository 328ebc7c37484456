"""python -m monitoring.render.kubernetes.schemas <directory of the Operator's CRD files>: refresh the schemas."""

import sys
from pathlib import Path

from monitoring.render.kubernetes.schemas import HERE, extract

for name, text in extract(Path(sys.argv[1])).items():
    (HERE / name).write_text(text)
