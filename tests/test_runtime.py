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
