import numpy as np
import pytest

from app.embeddings.pooling import l2_normalize, maxsim, mean_pool, truncate_matryoshka


def test_l2_normalize_gives_unit_rows_and_keeps_zero_rows_zero() -> None:
    rows = l2_normalize([[3.0, 4.0], [0.0, 0.0]])
    assert rows.dtype == np.float32
    assert rows[0] == pytest.approx([0.6, 0.8])
    assert rows[1].tolist() == [0.0, 0.0]


def test_mean_pool_ignores_masked_tokens() -> None:
    states = np.array([[1.0, 1.0], [3.0, 5.0], [100.0, 100.0]])
    assert mean_pool(states, [1, 1, 0]) == pytest.approx([2.0, 3.0])
    assert mean_pool(states) == pytest.approx([104 / 3, 106 / 3])


def test_matryoshka_truncation_equals_prefix_renormalized() -> None:
    vector = np.arange(1, 9, dtype=np.float32)
    truncated = truncate_matryoshka(vector, 4)
    assert truncated.shape == (4,)
    assert truncated == pytest.approx(vector[:4] / np.linalg.norm(vector[:4]))
    assert np.linalg.norm(truncate_matryoshka(vector, None)) == pytest.approx(1.0)


def test_maxsim_sums_each_query_tokens_best_match() -> None:
    query = np.array([[1.0, 0.0], [0.0, 1.0]])
    doc = np.array([[0.9, 0.1], [0.2, 0.5], [0.0, 0.3]])
    assert maxsim(query, doc) == pytest.approx(0.9 + 0.5)
    assert maxsim(query, np.empty((0, 2))) == 0.0
