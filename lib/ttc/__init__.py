"""ttc: test-time compute scaling (Snell et al. 2024) reproduced on small models trained from scratch.

Data flows one way: task -> policy -> samples -> verifier scores -> strategies -> tables -> figures.
Each submodule owns one step of that flow; see the README's Layout.
"""

__version__ = "0.1.0"

import warnings as _warnings

# In a Jupyter kernel without ipywidgets, tqdm.auto announces at import that it falls back to
# text progress bars; text bars are what the executed notebooks should hold.
_warnings.filterwarnings("ignore", message="IProgress not found")
