"""keepwise: a self-hosted, retention-first CRM and customer-churn analytics system."""

from keepwise.errors import KeepwiseError, SchemaError, StatisticalWarning, ValidationError

__version__ = "0.1.0"

__all__ = ["KeepwiseError", "SchemaError", "StatisticalWarning", "ValidationError", "__version__"]
