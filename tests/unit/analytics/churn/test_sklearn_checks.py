"""scikit-learn's own estimator checks on ChurnClassifier, the estimator fitted on (X, y).

Every check of scikit-learn 1.9's ``check_estimator`` passes; none is expected to fail. The
other keepwise estimators are fitted on tables with named columns (an RFM frame, a snapshot
table, a company's history, a lifetimes table), not on any numeric matrix, so their tags say
``two_d_array=False`` and scikit-learn has no generic checks for them: their contract is
tested in tests/unit/test_estimator_contract.py.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from keepwise import ChurnClassifier


# scikit-learn warns that ChurnClassifier does not inherit its BaseEstimator: keepwise's base
# mirrors it without importing scikit-learn (the core models need no [ml] extra).
@pytest.mark.filterwarnings("ignore:Estimator ChurnClassifier does not inherit")
@parametrize_with_checks([ChurnClassifier(random_state=0)])
def test_scikit_learn_checks(estimator, check) -> None:  # type: ignore[no-untyped-def]
    if "check_array_api_input" in str(check):
        # scikit-learn skips this one unless SCIPY_ARRAY_API=1 was set before scipy was
        # imported, which is too late in this process: run it in a fresh one instead.
        code = (
            "from sklearn.utils.estimator_checks import check_array_api_input\n"
            "from keepwise import ChurnClassifier\n"
            "check_array_api_input('ChurnClassifier', ChurnClassifier(random_state=0),"
            " array_namespace='numpy', expect_only_array_outputs=False)\n"
        )
        env = {**os.environ, "SCIPY_ARRAY_API": "1"}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return
    check(estimator)
