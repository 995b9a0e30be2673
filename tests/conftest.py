"""Hypothesis runs the same examples on every run (CI included): a red test stays red until it is
fixed, and a green one does not turn red by chance. Set HYPOTHESIS_PROFILE=explore to draw new
examples locally."""

import os

from hypothesis import settings

# No example database: a derandomized run has nothing to replay, and the suite writes none.
settings.register_profile(
    "deterministic", derandomize=True, database=None, deadline=None, print_blob=True
)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
