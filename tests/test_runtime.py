import pytest
from ttc import runtime


def test_thread_count_honours_ttc_threads_then_omp(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.delenv("TTC_THREADS", raising=False)
    assert runtime.threads() == 3
    monkeypatch.setenv("TTC_THREADS", "1")
    assert runtime.threads() == 1
    monkeypatch.setenv("TTC_THREADS", "two")
    with pytest.raises(ValueError, match="TTC_THREADS='two'"):
        runtime.threads()


def test_results_name_the_machine_they_were_made_on():
    """Float rounding, and so this study's learning transitions, depend on the CPU."""
    import torch

    machine = runtime.machine()
    assert machine["cpu"] and machine["cpu_capability"] and machine["torch"] == torch.__version__
