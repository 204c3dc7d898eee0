"""Lying comparisons: values whose ``__eq__``, ``__sub__`` or type claims lie never reach a comparison; the
parent rebuilds plain values from JSON and checks type before value."""

import pytest

from tests.adversarial.conftest import assert_contained

ATTACKS = {
    "eq_always_true": """
        class Yes:
            def __eq__(self, other): return True
            def __ne__(self, other): return False
            __hash__ = object.__hash__
        def victim(a, b, k):
            return Yes()
    """,
    "int_subclass_equal_to_everything": """
        class LyingInt(int):
            def __eq__(self, other): return True
            __hash__ = int.__hash__
        def victim(a, b, k):
            return LyingInt(0)
    """,
    "float_subclass_with_lying_arithmetic": """
        class LyingFloat(float):
            def __sub__(self, other): return 0.0
            def __rsub__(self, other): return 0.0
            def __abs__(self): return 0.0
            def __eq__(self, other): return True
            __hash__ = float.__hash__
        def victim(a, b, k):
            return LyingFloat(1.0)
    """,
    "ndarray_subclass": """
        import numpy as np
        class Always(np.ndarray):
            def __eq__(self, other): return np.ones(np.shape(other), dtype=bool)
            def __array_ufunc__(self, *args, **kwargs): return np.zeros(1)
        def victim(a, b, k):
            return np.zeros(1, dtype=np.int64).view(Always)
    """,
    "numpy_matrix": """
        import numpy as np, warnings
        warnings.simplefilter("ignore")
        def victim(a, b, k):
            return np.matrix([[0]])
    """,
    "object_array_of_liars": """
        import numpy as np
        class Yes:
            def __eq__(self, other): return True
        def victim(a, b, k):
            out = np.empty(1, dtype=object)
            out[0] = Yes()
            return out
    """,
    "class_attribute_spoofing_int": """
        class Fake:
            __class__ = property(lambda self: int)
            def __eq__(self, other): return True
        def victim(a, b, k):
            return Fake()
    """,
    "list_hiding_a_liar": """
        class Yes:
            def __eq__(self, other): return True
        def victim(a, b, k):
            return [Yes()]
    """,
    "encoder_replaced_in_the_child": """
        import sys
        main = sys.modules["__main__"]
        main.encode = lambda value, *args, **kwargs: {"$int": "all the points", "__eq__": True}
        def victim(a, b, k):
            return 0
    """,
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_lying_values_score_zero(grade, name):
    assert_contained(grade(ATTACKS[name]))


def test_a_bool_is_not_an_int(grade):
    graded = grade("def victim(a, b, k):\n    return True\n")
    assert_contained(graded)
    assert "bool" in graded.feedback("1.1")
