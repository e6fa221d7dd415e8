"""Thread pools sized before the libraries start them (see synthpriv/threads.py)."""

import pytest

from synthpriv import threads


@pytest.fixture
def clean_env(monkeypatch):
    for variable in (*threads.POOL_VARIABLES, "SYNTHPRIV_THREADS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(threads, "available_cores", lambda: 4)
    return monkeypatch


def test_free_cores_subtracts_the_load_of_other_processes(clean_env):
    assert threads.free_cores(load=0.2) == 4
    assert threads.free_cores(load=2.6) == 1
    assert threads.free_cores(load=9.0) == 1  # never fewer than one


def test_configure_sizes_every_pool_to_the_free_cores(clean_env):
    import os

    clean_env.setattr(threads, "free_cores", lambda: 2)
    assert threads.configure() == 2
    assert {os.environ[v] for v in threads.POOL_VARIABLES} == {"2"}


def test_a_count_or_the_variable_fixes_the_size_and_off_leaves_pools_alone(clean_env):
    import os

    assert threads.configure(3) == 3
    assert os.environ["OMP_NUM_THREADS"] == "3"
    for variable in threads.POOL_VARIABLES:
        clean_env.delenv(variable)
    clean_env.setenv("SYNTHPRIV_THREADS", "off")
    assert threads.configure() is None
    assert "OMP_NUM_THREADS" not in os.environ
    clean_env.setenv("SYNTHPRIV_THREADS", "64")
    assert threads.configure() == 4  # never more than the cores this process may use


def test_a_variable_the_user_set_is_kept(clean_env):
    import os

    clean_env.setenv("OMP_NUM_THREADS", "1")
    threads.configure(2)
    assert os.environ["OMP_NUM_THREADS"] == "1"
    assert os.environ["OPENBLAS_NUM_THREADS"] == "2"
