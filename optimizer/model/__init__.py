"""The linear or mixed-integer program of a sourcing problem: built as arrays, solved with HiGHS or
CBC, and every plan checked against the limits recomputed from the data."""
