"""The demo company: a realistic CRM history whose churn has causes the analytics can find.

:func:`generate` writes the data files (loaded through the importer by ``keepwise demo``)
and, apart from them, the ground truth of who churned, when and why. See ``docs/demo.md``.
"""

from keepwise.demo.generator import (
    DATA_FILES,
    GROUND_TRUTH_DIR,
    MAX_CUSTOMERS,
    DemoSummary,
    generate,
)
from keepwise.demo.truth import churn_labels, read_ground_truth

__all__ = [
    "DATA_FILES",
    "GROUND_TRUTH_DIR",
    "MAX_CUSTOMERS",
    "DemoSummary",
    "churn_labels",
    "generate",
    "read_ground_truth",
]
