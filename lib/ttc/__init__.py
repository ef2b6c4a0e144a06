"""ttc: test-time compute scaling (Snell et al. 2024) reproduced on small models trained from scratch.

Data flows one way: task -> policy -> samples -> verifier scores -> strategies -> tables -> figures.
Each submodule owns one step of that flow; see the README's Layout.
"""

__version__ = "0.1.0"
